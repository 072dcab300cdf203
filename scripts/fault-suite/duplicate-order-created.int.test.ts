/**
 * Fault suite, scenario 4 (issue 15): the same order.created delivered three times, during and after the saga — what
 * an EventBridge retry, an SQS redelivery, the outbox relay and the reconciler's republish (all with the event's
 * stable id) can do together. One execution, one reservation, one charge, one entry in the events log.
 *
 * On the whole local cloud (the real rule -> saga-starts queue -> start-saga path, the ASL, the handlers, DynamoDB
 * Local), with the saga held in ChargePayment by injected latency so the second delivery arrives while it runs; on
 * both workflow types the stages deploy (an EXPRESS machine starts a second execution for a repeated name, so there
 * only start-saga's claim in the table stands between a duplicate and a second charge). Executions are counted in
 * the engine (Express keeps none that the API could list).
 * Scenarios 1 and 2 are npm start under kill -9 and a DynamoDB outage (the other files here); scenario 3, step faults
 * at 30 %, is lambdas/saga/order-saga.faults.int.test.ts.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../../core/domain/order';
import { orderCreatedEventId } from '../../core/events/order-events';
import { orderCreatedRecord } from '../../core/orders/order-service';
import { keys } from '../../core/store/keys';
import { startSagaCloud, type SagaCloud } from '../local-platform/test-support/saga-cloud';

jest.setTimeout(120_000);

let saga: SagaCloud;
beforeAll(async () => {
  saga = await startSagaCloud('duplicates-test');
}, 120_000);
afterAll(async () => {
  await saga?.stop();
});

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
};

describe.each(['STANDARD', 'EXPRESS'] as const)(
  'the same order.created delivered three times, during and after a %s saga',
  (workflowType) => {
    beforeAll(() => {
      const engine = saga.cloud.services.stepFunctions;
      const machine = engine.machine(saga.stateMachineArn);
      if (machine.type === workflowType) return;
      engine.machines.delete(saga.stateMachineArn);
      engine.createStateMachine({ name: machine.name, definition: machine.definition, type: workflowType });
    });

    const executionsOf = (orderId: string) =>
      [...saga.cloud.services.stepFunctions.executions.values()].filter(
        (candidate) => candidate.stateMachineArn === saga.stateMachineArn && candidate.name.startsWith(orderId),
      );
    /** Waits until the order's saga has started and every execution of it has ended; answers the order. */
    const settle = async (orderId: string): Promise<Order> => {
      await until(`an execution of ${orderId}`, async () => executionsOf(orderId).length > 0);
      await Promise.all(executionsOf(orderId).map((execution) => execution.done));
      return (await saga.stores.orders.getOrder(orderId)) as Order;
    };

    it('runs one execution, reserves once, charges once and logs the event once', async () => {
      // prepare: the saga is held in ChargePayment long enough for a delivery to arrive while it runs
      const { cloud, stores, inventory, ledger, publisher } = saga;
      const productId = await saga.product(5);
      cloud.services.lambda.injectFault(cloud.names('charge-payment'), { latencyMs: 1500 });
      const orderId = await saga.placeOrder([{ productId, quantity: 1 }]);
      const created = orderCreatedRecord((await stores.orders.getOrder(orderId)) as Order).event;
      await until(
        'the saga in ChargePayment',
        async () => (await stores.orders.getOrder(orderId))?.status === 'INVENTORY_RESERVED',
      );

      // act: the first delivery was the service's own publish; a second while the saga runs, a third once it ended
      await publisher.publish([created]);
      cloud.services.lambda.clearFaults();
      const order = await settle(orderId);
      await publisher.publish([created]);
      // A positive marker instead of a sleep: a later order takes the same rule -> queue -> start-saga path after the
      // duplicates, so once its saga has run, they have been handled.
      await settle(await saga.placeOrder([{ productId: await saga.product(1), quantity: 1 }]));

      // assess
      const payments = await ledger.paymentsOfOrder(orderId);
      const logged = await saga.documentClient.send(
        new GetCommand({ TableName: saga.tableName, Key: keys.event(orderCreatedEventId(orderId)) }),
      );
      expect({
        status: order.status,
        executions: executionsOf(orderId).map((execution) => execution.name),
        stock: await inventory.getStock(productId),
        payments: payments.map((payment) => payment.status),
        logged: logged.Item?.detailType,
      }).toEqual({
        status: 'CONFIRMED',
        executions: [orderId],
        stock: 4,
        payments: ['CAPTURED'],
        logged: 'order.created',
      });
    });
  },
);
