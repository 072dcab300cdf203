/**
 * Issue 18: a progress event (order.validated, order.inventory_reserved, order.payment_captured) has one kind of
 * consumer, a customer's webhook endpoint subscribed to it; it is published only when the order's customer has one.
 * The real stores and webhook registrations on DynamoDB Local, the steps as the saga runs them, a recording bus.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../domain/money';
import type { Order } from '../domain/order';
import { OrderService } from '../orders/order-service';
import { SimulatedPaymentProvider } from '../payments/simulated-provider';
import { createDynamoStores } from '../store/dynamo-stores';
import type { DynamoStores } from '../store/dynamo-stores';
import { DynamoPaymentFence, DynamoPaymentLedger } from '../store/dynamo-payment-ledger';
import { DynamoWebhookStore } from '../store/webhook-store';
import { FakePublisher } from '../test-support/fake-publisher';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { type ProgressSubscribers, SagaSteps } from './saga-steps';

jest.setTimeout(60000);

let table: LocalTable;
let stores: DynamoStores;
let webhooks: DynamoWebhookStore;
const log = new Logger({ logLevel: 'CRITICAL' });

beforeAll(async () => {
  table = await startLocalTable();
  stores = createDynamoStores(table.documentClient, table.tableName);
  webhooks = new DynamoWebhookStore(table.documentClient, table.tableName);
}, 60000);

afterAll(async () => {
  await table?.stop();
});

/** A port that counts its reads of the registrations (each is one Query in DynamoDB). */
const counting = (inner: ProgressSubscribers): ProgressSubscribers & { reads: number } => {
  const port = {
    reads: 0,
    hasSubscriber: (customerId: string, eventType: string) => {
      port.reads += 1;
      return inner.hasSubscriber(customerId, eventType);
    },
    subscribedTypes: (customerId: string) => {
      port.reads += 1;
      return inner.subscribedTypes(customerId);
    },
  };
  return port;
};

/** Places a one-line order of `customerId` for a fresh product, as POST /api/orders does. */
const placeOrder = async (customerId: string): Promise<Order> => {
  const productId = `p-${ulid()}`;
  await stores.products.putProduct({
    productId,
    name: productId,
    price: money(500, 'EUR'),
    stock: 5,
    updatedAt: new Date().toISOString(),
  });
  const service = new OrderService({ ...stores, publisher: new FakePublisher(), log, newId: ulid });
  const { order } = await service.createOrder(customerId, ulid(), {
    items: [{ productId, quantity: 1 }],
    paymentToken: 'tok_visa',
  });
  return order;
};

/** The saga's steps on the real stores, publishing to `bus` and asking `subscribers`. */
const sagaSteps = (subscribers: ProgressSubscribers, bus: FakePublisher): SagaSteps =>
  new SagaSteps({
    ...stores,
    payments: new SimulatedPaymentProvider({
      ledger: new DynamoPaymentLedger(table.documentClient, table.tableName),
    }),
    paymentFence: new DynamoPaymentFence(table.documentClient, table.tableName),
    publisher: bus,
    progressSubscribers: subscribers,
    log,
    newId: ulid,
  });

/**
 * Places an order of `customerId` and runs ValidateOrder, ReserveInventory and ChargePayment, each given the order the
 * previous one answered, as the state machine passes it (`$.saga.order`); answers what reached the bus. `between`
 * runs after ValidateOrder.
 */
const forwardSteps = async (
  customerId: string,
  subscribers: ProgressSubscribers,
  between: () => Promise<unknown> = async () => undefined,
  bus = new FakePublisher(),
): Promise<string[]> => {
  const order = await placeOrder(customerId);
  const steps = sagaSteps(subscribers, bus);
  const validated = await steps.validate(order.orderId);
  await between();
  const reserved = await steps.reserve(order.orderId, validated.order);
  await steps.charge(order.orderId, reserved.order);
  expect(await stores.orders.getOrder(order.orderId)).toMatchObject({ status: 'PAYMENT_CAPTURED' });
  return bus.published.map((event) => event.detailType);
};

const register = (customerId: string, eventTypes: string[]) =>
  webhooks.createEndpoint({
    webhookId: ulid(),
    customerId,
    url: 'https://hooks.example.com/orders',
    eventTypes,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    createdAt: new Date().toISOString(),
  });

describe('progress events reach the bus only for a subscribed endpoint', () => {
  it('publishes none for a customer without a webhook endpoint', async () => {
    expect(await forwardSteps(`c-${ulid()}`, webhooks)).toEqual([]);
  });

  it('publishes none for a customer whose endpoints subscribe to other types only', async () => {
    const customerId = `c-${ulid()}`;
    await register(customerId, ['order.confirmed', 'order.failed']);

    expect(await forwardSteps(customerId, webhooks)).toEqual([]);
  });

  it('publishes exactly the progress types a customer subscribed to', async () => {
    const customerId = `c-${ulid()}`;
    await register(customerId, ['order.validated']);
    await register(customerId, ['order.payment_captured', 'order.confirmed']);

    expect(await forwardSteps(customerId, webhooks)).toEqual(['order.validated', 'order.payment_captured']);
  });

  it('order.inventory_reserved, whose status change answers no order (one transaction with the reservation), carries the whole order in its new status', async () => {
    const customerId = `c-${ulid()}`;
    await register(customerId, ['order.inventory_reserved']);
    const bus = new FakePublisher();

    expect(await forwardSteps(customerId, webhooks, undefined, bus)).toEqual(['order.inventory_reserved']);

    const { detail } = bus.published[0] as { detail: Record<string, unknown> };
    const { lines, orderId } = detail as { lines: Record<string, unknown>[]; orderId: string };
    expect(detail).toMatchObject({
      eventId: `${orderId}-inventory_reserved`,
      status: 'INVENTORY_RESERVED',
      customerId,
    });
    expect(lines).toEqual([
      expect.objectContaining({ quantity: 1, name: expect.any(String), unitPrice: money(500, 'EUR') }),
    ]);
    expect(detail.occurredAt).toBe(
      (await stores.orders.getOrder(orderId))?.timeline.find((entry) => entry.status === 'INVENTORY_RESERVED')?.at,
    );
  });

  it('publishes every progress event when the registrations cannot be read', async () => {
    const unreadable = counting({
      hasSubscriber: () => Promise.reject(new Error('ServiceUnavailable')),
      subscribedTypes: () => Promise.reject(new Error('ServiceUnavailable')),
    });

    expect(await forwardSteps(`c-${ulid()}`, unreadable)).toEqual([
      'order.validated',
      'order.inventory_reserved',
      'order.payment_captured',
    ]);
    // ValidateOrder publishes without asking again; the failed read is not passed on as "none": each later step asks.
    expect(unreadable.reads).toBe(3);
  });
});

describe('the registrations are read once per saga, by ValidateOrder', () => {
  it('reads them once for the three forward steps, with or without a subscribed endpoint', async () => {
    const none = counting(webhooks);
    expect(await forwardSteps(`c-${ulid()}`, none)).toEqual([]);
    expect(none.reads).toBe(1);

    const customerId = `c-${ulid()}`;
    await register(customerId, ['order.inventory_reserved']);
    const some = counting(webhooks);
    expect(await forwardSteps(customerId, some)).toEqual(['order.inventory_reserved']);
    expect(some.reads).toBe(1);
  });

  it('an endpoint registered after ValidateOrder gets the progress events of the orders validated after it', async () => {
    const customerId = `c-${ulid()}`;
    const first = await forwardSteps(customerId, webhooks, () => register(customerId, ['order.payment_captured']));
    const second = await forwardSteps(customerId, webhooks);

    // Progress events are best effort (no outbox): the order in flight at the registration goes without its notice.
    expect(first).toEqual([]);
    expect(second).toEqual(['order.payment_captured']);
  });

  it('a snapshot naming a type this version does not know publishes the known ones and reads nothing', async () => {
    const customerId = `c-${ulid()}`;
    const port = counting(webhooks);
    const order = await placeOrder(customerId);
    const bus = new FakePublisher();
    const steps = sagaSteps(port, bus);
    const validated = await steps.validate(order.orderId);
    const reads = port.reads;
    // As a later deployment's state might carry it: a progress type unknown here beside a known one.
    await steps.reserve(order.orderId, {
      ...validated.order,
      progressSubscriptions: ['order.parcel_packed', 'order.inventory_reserved'],
    });

    expect(port.reads).toBe(reads);
    expect(bus.published.map((event) => event.detailType)).toEqual(['order.inventory_reserved']);
  });

  it('a step handed no subscriptions (the read failed, or a step run by hand) reads them itself', async () => {
    const customerId = `c-${ulid()}`;
    await register(customerId, ['order.payment_captured']);
    const port = counting(webhooks);
    const order = await placeOrder(customerId);
    const bus = new FakePublisher();
    const steps = sagaSteps(port, bus);
    await steps.validate(order.orderId);
    await steps.reserve(order.orderId);
    await steps.charge(order.orderId);

    expect(bus.published.map((event) => event.detailType)).toEqual(['order.payment_captured']);
    expect(port.reads).toBe(3);
  });
});
