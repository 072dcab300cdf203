/**
 * The saga's integration tests all need the same thing: the whole local cloud (the ASL file as is, the real handlers,
 * the rules and queues, DynamoDB Local) with Retry and Wait delays scaled down, stores and the order service over its
 * table, and a way to place an order and wait for its execution. Written once here for lambdas/saga/*.int.test.ts and
 * scripts/local-platform/recovery.int.test.ts, so a change to how the cloud is started or an order is placed is made
 * in one place.
 *
 *   const saga = await startSagaCloud('saga-test');
 *   const orderId = await saga.placeOrder([{ productId: await saga.product(5), quantity: 2 }]);
 *   const { execution, order } = await saga.settle(orderId);
 *   await saga.stop();
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { orderEventPublisher } from '../../../core/adapters/eventbridge-publisher';
import type { EventPublisher } from '../../../core/orders/ports';
import { DynamoWebhookStore } from '../../../core/store/webhook-store';
import { WebhookSubscriptions } from '../../../core/webhooks/fan-out-routing';
import { money } from '../../../core/domain/money';
import type { Order } from '../../../core/domain/order';
import { OrderService } from '../../../core/orders/order-service';
import { DynamoInventoryStore } from '../../../core/store/dynamo-inventory-store';
import { DynamoOrderPayments, DynamoPaymentLedger } from '../../../core/store/dynamo-payment-ledger';
import { createDynamoStores } from '../../../core/store/dynamo-stores';
import type { DynamoStores } from '../../../core/store/dynamo-stores';
import { startLocalCloud } from '../cloud';
import type { RunningLocalCloud } from '../cloud';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface SagaCloud {
  readonly cloud: RunningLocalCloud;
  /** Straight to DynamoDB Local (not through the edge's IAM check): the tests' own reads and writes. */
  readonly documentClient: DynamoDBDocumentClient;
  /** The physical name of the orders table. */
  readonly tableName: string;
  readonly stores: DynamoStores;
  readonly inventory: DynamoInventoryStore;
  readonly ledger: DynamoPaymentLedger;
  readonly orderPayments: DynamoOrderPayments;
  /** PutEvents to the cloud's orders bus, as the API publishes. */
  readonly publisher: EventPublisher;
  /** The order service over the table and the bus: its create is what POST /api/orders runs. */
  readonly service: OrderService;
  /** A Step Functions client of the edge. */
  readonly sfn: SFNClient;
  /** The ARN of the order saga's state machine. */
  readonly stateMachineArn: string;
  /** A new product priced 5.00 EUR with `stock` units; its id. */
  product(stock: number): Promise<string>;
  /** Places an order of the harness's customer through the order service; its id. */
  placeOrder(items: { productId: string; quantity: number }[], paymentToken?: string): Promise<string>;
  /** The ARN of the saga execution named `name` (an order's execution is named by its order id). */
  executionArn(name: string): string;
  /** Waits for the saga of the order to finish; answers the execution status and the order. */
  settle(orderId: string, timeoutMs?: number): Promise<{ execution: string; order: Order }>;
  stop(): Promise<void>;
}

/**
 * Starts the local cloud on a free port for the saga tests; `customerId` owns the orders `placeOrder` makes. Functions
 * log at CRITICAL and the cloud is silent, so a failing test's output is its own.
 */
export const startSagaCloud = async (customerId: string, options: { timeScale?: number } = {}): Promise<SagaCloud> => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  process.env.LOCAL_CLOUD_LOG_LEVEL = 'silent';
  // 110 s for DynamoDB Local to answer, as the table tests allow: its JVM takes over 30 s on a loaded runner.
  const cloud = await startLocalCloud({
    edgePort: 0,
    timeScale: options.timeScale ?? 0.001,
    dynamoDbReadyTimeoutMs: 110_000,
  });
  const dynamo = new DynamoDBClient({ endpoint: cloud.services.dynamoDbEndpoint, region: 'us-east-1', credentials });
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = cloud.names('orders');
  const stores = createDynamoStores(documentClient, tableName);
  const eventBridge = new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
  const log = new Logger({ logLevel: 'CRITICAL' });
  // As the API publishes: order.created reaches the webhook fan-out only for a customer with a subscribed endpoint.
  const publisher = orderEventPublisher(
    eventBridge,
    cloud.names('orders'),
    new WebhookSubscriptions(new DynamoWebhookStore(documentClient, tableName)),
    log,
  );
  const service = new OrderService({ ...stores, publisher, log, newId: ulid });
  const sfn = new SFNClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
  const stateMachineArn = cloud.services.stepFunctions.stateMachineArn(cloud.names('order-saga'));
  const executionArn = (name: string): string => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    cloud,
    documentClient,
    tableName,
    stores,
    inventory: new DynamoInventoryStore(documentClient, tableName),
    ledger: new DynamoPaymentLedger(documentClient, tableName),
    orderPayments: new DynamoOrderPayments(documentClient, tableName),
    publisher,
    service,
    sfn,
    stateMachineArn,
    product: async (stock) => {
      const productId = `p-${ulid()}`;
      await stores.products.putProduct({
        productId,
        name: productId,
        price: money(500, 'EUR'),
        stock,
        updatedAt: new Date().toISOString(),
      });
      return productId;
    },
    placeOrder: async (items, paymentToken = 'tok_visa') =>
      (await service.createOrder(customerId, ulid(), { items, paymentToken })).order.orderId,
    executionArn,
    settle: async (orderId, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const execution = await cloud.services.stepFunctions.waitForExecution(executionArn(orderId));
          return { execution, order: (await stores.orders.getOrder(orderId)) as Order };
        } catch (error) {
          // The execution starts once start-saga has taken order.created off its queue.
          if (Date.now() > deadline) throw error;
          await new Promise((wake) => setTimeout(wake, 50));
        }
      }
    },
    stop: async () => {
      sfn.destroy();
      eventBridge.destroy();
      dynamo.destroy();
      await cloud.stop();
    },
  };
};
