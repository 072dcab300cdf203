/**
 * Recovery after lost executions, on the whole local cloud (issue 15). Locally executions live in memory, so a
 * crash of `npm start` loses every running saga; in AWS a saga can fail on an outage longer than its retries. Both
 * leave an order not terminal with nothing to move it on. Here the executions are lost the same way a restart
 * loses them (the local Step Functions aborts and forgets them mid-step), then the reconciler function — the same
 * handler its schedule runs — resumes each saga as `<orderId>-r1`, relying on the idempotent steps; and an
 * operator's retry finishes a parked order. Assessed on the table: status, stock, payments. And an order whose
 * order.created was never published (the API died between its commit and the publish): the reconciler starts its
 * saga and publishes order.created with the id derived from the order, so the events log gets it once.
 * (The duplicate order.created case — one execution, one charge — is lambdas/saga/order-saga.int.test.ts.)
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StepFunctionsSagaRunner } from '../../core/adapters/step-functions-saga-runner';
import type { OrderStatus } from '../../core/domain/order-status';
import { orderCreatedEventId, orderStatusEventId } from '../../core/events/order-events';
import { OrderService } from '../../core/orders/order-service';
import { retryParkedOrder } from '../../core/orders/reconciler';
import type { ReconcileReport } from '../../core/orders/reconciler';
import type { DynamoInventoryStore } from '../../core/store/dynamo-inventory-store';
import type { DynamoPaymentLedger } from '../../core/store/dynamo-payment-ledger';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { FUNCTION_IDEMPOTENCY_PARTITION, keys } from '../../core/store/keys';
import { FakePublisher } from '../../core/test-support/fake-publisher';
import { ulid } from 'ulid';
import type { RunningLocalCloud } from './cloud';
import { startSagaCloud } from './test-support/saga-cloud';
import type { SagaCloud } from './test-support/saga-cloud';

jest.setTimeout(120_000);

let saga: SagaCloud;
let cloud: RunningLocalCloud;
let stores: DynamoStores;
let inventory: DynamoInventoryStore;
let ledger: DynamoPaymentLedger;
let runner: StepFunctionsSagaRunner;
let sfn: SFNClient;
let documentClient: DynamoDBDocumentClient;

beforeAll(async () => {
  saga = await startSagaCloud('recovery-test');
  ({ cloud, stores, inventory, ledger, sfn, documentClient } = saga);
  // The schedule would race the passes this test makes itself.
  cloud.services.eventBridge.stop();
  runner = new StepFunctionsSagaRunner(sfn, saga.stateMachineArn);
}, 120_000);

afterAll(async () => {
  await saga?.stop();
});

afterEach(() => {
  cloud?.services.lambda.clearFaults();
});

const product = (stock: number): Promise<string> => saga.product(stock);
const placeOrder = (productId: string, quantity: number, paymentToken = 'tok_visa'): Promise<string> =>
  saga.placeOrder([{ productId, quantity }], paymentToken);
const executionArn = (name: string): string => saga.executionArn(name);
/** An order committed as POST /api/orders commits it, with nothing published (the API died before its publish). */
const unannouncedOrder = async (productId: string, quantity: number) => {
  const quiet = new OrderService({
    ...stores,
    publisher: new FakePublisher(),
    log: new Logger({ logLevel: 'CRITICAL' }),
    newId: ulid,
  });
  return (
    await quiet.createOrder('recovery-test', ulid(), { items: [{ productId, quantity }], paymentToken: 'tok_visa' })
  ).order;
};

const statusOf = async (orderId: string): Promise<OrderStatus | undefined> =>
  (await stores.orders.getOrder(orderId))?.status;

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
};

/** What a restart of the local cloud does to sagas: every running execution is aborted and forgotten. */
const loseExecutions = (): Promise<void> => cloud.services.stepFunctions.reset();

const reconcilerPass = async (): Promise<ReconcileReport> => {
  const outcome = await cloud.services.lambda.invoke(cloud.names('reconciler'), { staleAfterSeconds: 0 });
  if (outcome.error !== undefined) throw new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  return outcome.result as ReconcileReport;
};

const settledExecution = async (name: string): Promise<string> => {
  await until(`execution ${name}`, async () => runner.isRunning(name).then((running) => !running));
  return cloud.services.stepFunctions.waitForExecution(executionArn(name));
};

describe('the reconciler after executions were lost', () => {
  it('drives an order lost after its reservation to CONFIRMED under <orderId>-r1, with one reservation and one charge', async () => {
    // prepare: the saga is held in ChargePayment, then its execution is lost as in a restart
    const productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('charge-payment'), { latencyMs: 1500 });
    const orderId = await placeOrder(productId, 2);
    await until('INVENTORY_RESERVED', async () => (await statusOf(orderId)) === 'INVENTORY_RESERVED');
    await loseExecutions();
    cloud.services.lambda.clearFaults();
    // act
    await reconcilerPass();
    const execution = await settledExecution(`${orderId}-r1`);
    // assess
    const captured = (await ledger.paymentsOfOrder(orderId)).filter((payment) => payment.status === 'CAPTURED');
    expect([execution, await statusOf(orderId), await inventory.getStock(productId), captured.length]).toEqual([
      'SUCCEEDED',
      'CONFIRMED',
      3,
      1,
    ]);
  });

  it('runs the compensations of an order lost while compensating: FAILED, stock returned, nothing captured', async () => {
    // prepare: a declined payment begins compensation; the execution is lost inside ReleaseInventory
    const productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('release-inventory'), { latencyMs: 1500 });
    const orderId = await placeOrder(productId, 2, 'tok_chargeDeclined');
    await until('COMPENSATING', async () => (await statusOf(orderId)) === 'COMPENSATING');
    await loseExecutions();
    cloud.services.lambda.clearFaults();
    // act
    await reconcilerPass();
    await settledExecution(`${orderId}-r1`);
    // assess
    const held = (await ledger.paymentsOfOrder(orderId)).filter(
      (payment) => payment.status === 'CAPTURED' || payment.status === 'AUTHORIZED',
    );
    expect([await statusOf(orderId), await inventory.getStock(productId), held.length]).toEqual(['FAILED', 5, 0]);
  });
});

describe('an order whose order.created was never published', () => {
  it('gets its saga started once and its order.created published with the id derived from the order', async () => {
    // prepare: committed as POST /api/orders commits it, then the API dies before its publish (nothing on the bus)
    const productId = await product(5);
    const order = await unannouncedOrder(productId, 2);
    const eventId = orderCreatedEventId(order.orderId);
    const logged = async () =>
      (await documentClient.send(new GetCommand({ TableName: cloud.names('orders'), Key: keys.event(eventId) }))).Item;
    // act
    const report = await reconcilerPass();
    const execution = await settledExecution(order.orderId);
    await until('order.created in the events log', async () => (await logged()) !== undefined);
    // assess: one execution (start-saga met the claim), one capture, the event logged under the stable id
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: saga.stateMachineArn }));
    const ofOrder = (executions.executions ?? []).filter((listed) => listed.name?.startsWith(order.orderId));
    const captured = (await ledger.paymentsOfOrder(order.orderId)).filter((payment) => payment.status === 'CAPTURED');
    expect([
      report.announced,
      execution,
      ofOrder.map((listed) => listed.name),
      await statusOf(order.orderId),
      captured.length,
      (await logged())?.detailType,
    ]).toEqual([1, 'SUCCEEDED', [order.orderId], 'CONFIRMED', 1, 'order.created']);
  });
});

describe('an order that ended while its order.confirmed was never published', () => {
  it('gets it published by the start-up pass under its stable id, and the events log records it', async () => {
    // prepare: the saga's steps as they commit, with ConfirmOrder dying between its write and its publish (the local
    // execution died with the process, so no retry announces it)
    const productId = await product(5);
    const order = await unannouncedOrder(productId, 1);
    for (const to of ['VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED'] as const)
      await stores.orders.transitionOrder({ orderId: order.orderId, to, at: new Date().toISOString() });
    const eventId = orderStatusEventId(order.orderId, 'CONFIRMED');
    const logged = async () =>
      (await documentClient.send(new GetCommand({ TableName: cloud.names('orders'), Key: keys.event(eventId) }))).Item;
    const before = (await logged())?.detailType;
    // act: the reconciler as the start-up pass invokes it
    const outcome = await cloud.services.lambda.invoke(cloud.names('reconciler'), {
      staleAfterSeconds: 0,
      reannounceSinceSeconds: 600,
    });
    await until('order.confirmed in the events log', async () => (await logged()) !== undefined);
    // assess
    expect(before).toBeUndefined();
    expect((outcome.result as { reannounced: number }).reannounced).toBeGreaterThanOrEqual(1);
    expect((await logged())?.detailType).toBe('order.confirmed');
  });
});

describe('a parked order', () => {
  let orderId: string;
  let productId: string;
  beforeAll(async () => {
    productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('release-inventory'), { probability: 1 });
    orderId = await placeOrder(productId, 1, 'tok_chargeDeclined');
    await until('NEEDS_ATTENTION', async () => (await statusOf(orderId)) === 'NEEDS_ATTENTION');
    cloud.services.lambda.clearFaults();
  });

  it('is left alone by the reconciler: no resumed execution', async () => {
    // act
    await reconcilerPass();
    // assess
    const resumed = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(`${orderId}-r1`) })).then(
      () => 'exists',
      (error: Error) => error.name,
    );
    expect([await statusOf(orderId), resumed]).toEqual(['NEEDS_ATTENTION', 'ExecutionDoesNotExist']);
  });

  it("reaches FAILED with its stock returned after the operator's retry", async () => {
    // act
    const { executionName } = await retryParkedOrder({ orders: stores.orders, runner }, orderId);
    await settledExecution(executionName);
    // assess
    expect([executionName, await statusOf(orderId), await inventory.getStock(productId)]).toEqual([
      `${orderId}-r1`,
      'FAILED',
      5,
    ]);
  });
});

describe('a parked order retried after its step records expired (24 h)', () => {
  /** What TTL does to the steps' Powertools records a day later: every step runs its logic again. */
  const expireStepRecords = async (): Promise<void> => {
    const tableName = cloud.names('orders');
    const found = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': FUNCTION_IDEMPOTENCY_PARTITION },
      }),
    );
    for (const item of found.Items ?? [])
      await documentClient.send(new DeleteCommand({ TableName: tableName, Key: { PK: item.PK, SK: item.SK } }));
  };

  it('runs the compensations again (not straight to FAILED): the stock comes back', async () => {
    // prepare
    const productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('release-inventory'), { probability: 1 });
    const orderId = await placeOrder(productId, 1, 'tok_chargeDeclined');
    await until('NEEDS_ATTENTION', async () => (await statusOf(orderId)) === 'NEEDS_ATTENTION');
    cloud.services.lambda.clearFaults();
    await expireStepRecords();
    // act
    const { executionName } = await retryParkedOrder({ orders: stores.orders, runner }, orderId);
    await settledExecution(executionName);
    // assess
    expect([await statusOf(orderId), await inventory.getStock(productId)]).toEqual(['FAILED', 5]);
  });
});
