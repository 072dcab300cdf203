/**
 * A flash sale through the real saga, for the hot-product test (lambdas/saga/order-saga.hot-product.int.test.ts) and
 * `npm run check:money` (scripts/check-money.ts): the local cloud (the ASL file on the local Step Functions, the real
 * handlers, DynamoDB Local), orders for one product placed at a paced rate through the order service (what POST
 * /api/orders runs), each awaited to the end of its execution, then the figures and the invariants of issue 20:
 * every order ended, every CAPTURED payment belongs to a CONFIRMED order or was refunded, no hold left AUTHORIZED,
 * the stock conserved (what left the product is what the confirmed orders and parked ones hold), no stock held by
 * an order that ended without it, and stock taken by exactly the orders that entered INVENTORY_RESERVED. Arrivals
 * are paced because on 2 shared cores a burst measures the machine.
 *
 * The cloud setup is copied from lambdas/saga/order-saga.faults.int.test.ts until the shared saga harness exists.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { money } from '../core/domain/money';
import type { Order } from '../core/domain/order';
import { OrderService } from '../core/orders/order-service';
import { DynamoPaymentLedger } from '../core/store/dynamo-payment-ledger';
import { createDynamoStores } from '../core/store/dynamo-stores';
import type { DynamoStores } from '../core/store/dynamo-stores';
import { startLocalCloud } from './local-platform/cloud';
import type { RunningLocalCloud } from './local-platform/cloud';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface SaleCloud {
  readonly cloud: RunningLocalCloud;
  readonly stores: DynamoStores;
  readonly ledger: DynamoPaymentLedger;
  readonly service: OrderService;
}

/** DynamoDB Local gets 30 s to answer; on a loaded shared machine the JVM can miss that once, so start it up to 3 times. */
const startWithRetries = async (timeScale: number): Promise<RunningLocalCloud> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startLocalCloud({ edgePort: 0, timeScale });
    } catch (error) {
      if (attempt >= 3 || (error as Error).name !== 'DynamoDbLocalStartFailedError') throw error;
    }
  }
};

/** The local cloud with Retry waits scaled by `timeScale` (never by editing the ASL), and the adapters a sale reads. */
export const startSaleCloud = async (timeScale = 0.001): Promise<SaleCloud> => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  process.env.LOCAL_CLOUD_LOG_LEVEL = 'silent';
  const cloud = await startWithRetries(timeScale);
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.services.dynamoDbEndpoint, region: 'us-east-1', credentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const stores = createDynamoStores(documentClient, cloud.names('orders'));
  const publisher = new EventBridgePublisher(
    new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials }),
    cloud.names('orders'),
  );
  return {
    cloud,
    stores,
    ledger: new DynamoPaymentLedger(documentClient, cloud.names('orders')),
    service: new OrderService({ ...stores, publisher, log: new Logger({ logLevel: 'CRITICAL' }), newId: ulid }),
  };
};

export interface SaleOptions {
  readonly orders: number;
  readonly ratePerSecond: number;
  readonly initialStock: number;
  /** Every n-th order pays with a declining card, so releases race with the reserves on the same item. */
  readonly declineEvery: number;
  /** Called as each order is placed (the start of its latency). */
  readonly onPlaced?: (orderId: string, placed: number) => void;
  /** Called as each order's execution ends (progress for a human watching a long run). */
  readonly onSettled?: (order: Order, settled: number) => void;
  /** How long to wait for one execution to end. */
  readonly settleTimeoutMs?: number;
  /**
   * At most this many orders in flight (placed, execution not ended): the next order waits for one to end. Arrivals
   * beyond what the machine serves only lengthen every step until steps run into their function timeout, and the
   * retries of those timeouts are more work still; a cap keeps a run on a loaded machine slow instead of collapsing.
   * Unbounded when absent.
   */
  readonly maxInFlight?: number;
}

export interface SaleResult {
  readonly orders: readonly Order[];
  /** `STATUS` or `STATUS/REASON` -> count. */
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly initialStock: number;
  readonly finalStock: number;
  readonly captured: number;
  readonly refunded: number;
  readonly elapsedMs: number;
  /** Broken invariants, one line each; empty when the money and the stock add up. */
  readonly violations: readonly string[];
}

export const outcomeOf = (order: Order): string =>
  `${order.status}${order.failureReason ? `/${order.failureReason}` : ''}`;

const executionArn = (cloud: RunningLocalCloud, orderId: string): string =>
  `${cloud.services.stepFunctions.stateMachineArn(cloud.names('order-saga'))}`
    .replace(':stateMachine:', ':execution:')
    .concat(`:${orderId}`);

const settle = async (sale: SaleCloud, orderId: string, timeoutMs: number): Promise<Order> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sale.cloud.services.stepFunctions.waitForExecution(executionArn(sale.cloud, orderId));
      return (await sale.stores.orders.getOrder(orderId)) as Order;
    } catch (error) {
      // The execution starts asynchronously (outbox -> EventBridge -> SQS -> start-saga): not found yet.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

/** Places the sale's orders at the paced rate, awaits every execution, and checks the invariants. */
export const runSale = async (sale: SaleCloud, options: SaleOptions): Promise<SaleResult> => {
  const productId = `hot-${ulid()}`;
  await sale.stores.products.putProduct({
    productId,
    name: productId,
    price: money(500, 'EUR'),
    stock: options.initialStock,
    updatedAt: new Date().toISOString(),
  });
  const started = Date.now();
  const settling: Promise<Order>[] = [];
  let settledCount = 0;
  let slotFreed: (() => void) | undefined;
  for (let index = 0; index < options.orders; index += 1) {
    const due = started + (index * 1000) / options.ratePerSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    while (options.maxInFlight !== undefined && index - settledCount >= options.maxInFlight)
      await new Promise<void>((resolve) => {
        slotFreed = resolve;
      });
    const { order } = await sale.service.createOrder('hot-sale', ulid(), {
      items: [{ productId, quantity: 1 }],
      paymentToken: index % options.declineEvery === options.declineEvery - 1 ? 'tok_chargeDeclined' : 'tok_visa',
    });
    options.onPlaced?.(order.orderId, index + 1);
    settling.push(
      settle(sale, order.orderId, options.settleTimeoutMs ?? 240000).then((ended) => {
        settledCount += 1;
        slotFreed?.();
        slotFreed = undefined;
        options.onSettled?.(ended, settledCount);
        return ended;
      }),
    );
  }
  const orders = await Promise.all(settling);
  const elapsedMs = Date.now() - started;

  const byOutcome: Record<string, number> = {};
  for (const order of orders) byOutcome[outcomeOf(order)] = (byOutcome[outcomeOf(order)] ?? 0) + 1;
  const violations: string[] = [];
  let captured = 0;
  let refunded = 0;
  let heldByParked = 0;
  for (const order of orders) {
    if (!['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'].includes(order.status))
      violations.push(`${order.orderId} ended its execution in ${order.status}`);
    for (const payment of await sale.ledger.paymentsOfOrder(order.orderId)) {
      if (payment.status === 'CAPTURED') captured += 1;
      if (payment.status === 'REFUNDED') refunded += 1;
      if (payment.status === 'CAPTURED' && order.status !== 'CONFIRMED')
        violations.push(`${order.orderId} ${outcomeOf(order)} has a CAPTURED payment`);
      if (payment.status === 'AUTHORIZED')
        violations.push(`${order.orderId} ${outcomeOf(order)} left a hold AUTHORIZED`);
    }
    const reservation = await sale.stores.inventory.getReservation(order.orderId);
    const holds = reservation?.status === 'RESERVED';
    // The reservation and INVENTORY_RESERVED are one write: an order took stock exactly when it entered that status.
    const tookStock = reservation !== undefined && reservation.lines.length > 0;
    const enteredReserved = order.timeline.some((entry) => entry.status === 'INVENTORY_RESERVED');
    if (tookStock && !enteredReserved)
      violations.push(`${order.orderId} ${outcomeOf(order)} took stock without entering INVENTORY_RESERVED`);
    if (!tookStock && enteredReserved)
      violations.push(`${order.orderId} ${outcomeOf(order)} entered INVENTORY_RESERVED without taking stock`);
    if (order.status === 'NEEDS_ATTENTION' && holds) heldByParked += 1;
    if (order.status === 'CONFIRMED' && !holds) violations.push(`${order.orderId} CONFIRMED without its reservation`);
    if (order.status === 'FAILED' && holds) violations.push(`${order.orderId} ${outcomeOf(order)} still holds stock`);
  }
  const confirmed = orders.filter((order) => order.status === 'CONFIRMED').length;
  const finalStock = (await sale.stores.inventory.getStock(productId)) as number;
  if (options.initialStock - finalStock !== confirmed + heldByParked)
    violations.push(
      `stock not conserved: ${options.initialStock} - ${finalStock} left the product, ${confirmed} confirmed + ${heldByParked} parked hold it`,
    );
  return {
    orders,
    byOutcome,
    initialStock: options.initialStock,
    finalStock,
    captured,
    refunded,
    elapsedMs,
    violations,
  };
};
