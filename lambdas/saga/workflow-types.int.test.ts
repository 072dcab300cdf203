/**
 * The saga on both workflow types the stages deploy (docs/decisions.md, "Workflow type by numbers"): the same ASL
 * file and handlers on the local cloud with its state machine created STANDARD, then EXPRESS. An EXPRESS machine
 * starts a second execution for a repeated name, so the only dedupe of a duplicate order.created is start-saga's
 * claim in the table; the test counts executions in the engine (Express keeps none that the API could list).
 * One local cloud for both: its state machine is created STANDARD, then deleted and created again as EXPRESS under
 * the same name (one cloud, because the handlers run in-process and keep their SDK clients across clouds).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { EventBridgePublisher } from '../../core/adapters/eventbridge-publisher';
import { money } from '../../core/domain/money';
import type { Order } from '../../core/domain/order';
import { OrderService } from '../../core/orders/order-service';
import { DynamoInventoryStore } from '../../core/store/dynamo-inventory-store';
import { DynamoPaymentLedger } from '../../core/store/dynamo-payment-ledger';
import { createDynamoStores, type DynamoStores } from '../../core/store/dynamo-stores';
import { startLocalCloud, type RunningLocalCloud } from '../../scripts/local-platform/cloud';

jest.setTimeout(120000);

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TERMINAL = new Set(['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION']);

let cloud: RunningLocalCloud;
let stores: DynamoStores;
let inventory: DynamoInventoryStore;
let ledger: DynamoPaymentLedger;
let service: OrderService;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  process.env.LOCAL_CLOUD_LOG_LEVEL = 'silent';
  cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.001, workflowType: 'STANDARD' });
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.services.dynamoDbEndpoint, region: 'us-east-1', credentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const tableName = cloud.names('orders');
  stores = createDynamoStores(documentClient, tableName);
  inventory = new DynamoInventoryStore(documentClient, tableName);
  ledger = new DynamoPaymentLedger(documentClient, tableName);
  const publisher = new EventBridgePublisher(
    new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials }),
    cloud.names('orders'),
  );
  service = new OrderService({ ...stores, publisher, log: new Logger({ logLevel: 'CRITICAL' }), newId: ulid });
}, 120000);

afterAll(async () => {
  await cloud?.stop();
});

describe.each(['STANDARD', 'EXPRESS'] as const)('the order saga as a %s state machine', (workflowType) => {
  beforeAll(() => {
    const engine = cloud.services.stepFunctions;
    const arn = engine.stateMachineArn(cloud.names('order-saga'));
    const machine = engine.machine(arn);
    if (machine.type === workflowType) return;
    engine.machines.delete(arn);
    engine.createStateMachine({ name: machine.name, definition: machine.definition, type: workflowType });
  });

  const machineArn = (): string => cloud.services.stepFunctions.stateMachineArn(cloud.names('order-saga'));
  const executionsOf = (orderId: string) =>
    [...cloud.services.stepFunctions.executions.values()].filter(
      (execution) => execution.stateMachineArn === machineArn() && execution.name === orderId,
    );

  /** Waits until the order's saga has started and every execution of it has ended; answers the order. */
  const settle = async (orderId: string): Promise<Order> => {
    const deadline = Date.now() + 60000;
    while (executionsOf(orderId).length === 0) {
      if (Date.now() > deadline) throw new Error(`no execution started for ${orderId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(executionsOf(orderId).map((execution) => execution.done));
    return (await stores.orders.getOrder(orderId)) as Order;
  };

  const placeOrder = async (stock: number): Promise<{ orderId: string; productId: string }> => {
    const productId = `p-${ulid()}`;
    await stores.products.putProduct({
      productId,
      name: productId,
      price: money(500, 'EUR'),
      stock,
      updatedAt: new Date().toISOString(),
    });
    const { order } = await service.createOrder('types-test', ulid(), {
      items: [{ productId, quantity: 1 }],
      paymentToken: 'tok_visa',
    });
    return { orderId: order.orderId, productId };
  };

  const orderCreated = (orderId: string) => ({
    Records: [
      {
        messageId: ulid(),
        body: JSON.stringify({
          version: '0',
          id: ulid(),
          'detail-type': 'order.created',
          source: 'orders.platform',
          account: '000000000000',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail: { orderId },
        }),
      },
    ],
  });

  it('is created with that type and runs an order to CONFIRMED, with its timeline in the table', async () => {
    const { orderId } = await placeOrder(3);

    const order = await settle(orderId);

    expect(cloud.services.stepFunctions.describeStateMachine(machineArn()).type).toBe(workflowType);
    expect(order.status).toBe('CONFIRMED');
    expect(order.timeline.map((entry) => entry.status)).toEqual([
      'PENDING',
      'VALIDATED',
      'INVENTORY_RESERVED',
      'PAYMENT_CAPTURED',
      'CONFIRMED',
    ]);
  });

  it('starts nothing for a duplicate order.created: one execution, one reservation, one charge', async () => {
    const { orderId, productId } = await placeOrder(5);
    await settle(orderId);

    const first = await cloud.services.lambda.invoke(cloud.names('start-saga'), orderCreated(orderId));
    const second = await cloud.services.lambda.invoke(cloud.names('start-saga'), orderCreated(orderId));
    await Promise.all(executionsOf(orderId).map((execution) => execution.done));

    expect(first.result).toEqual({ batchItemFailures: [] });
    expect(second.result).toEqual({ batchItemFailures: [] });
    expect(executionsOf(orderId)).toHaveLength(1);
    expect(await inventory.getStock(productId)).toBe(4);
    expect(await ledger.paymentsOfOrder(orderId)).toHaveLength(1);
    expect(TERMINAL.has(((await stores.orders.getOrder(orderId)) as Order).status)).toBe(true);
  });
});
