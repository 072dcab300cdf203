/**
 * The webhook routing's decisions (issue 18): which order events carry the mark the webhooks rule matches, what is
 * remembered of an answer, and what an unreadable registration store means. Fakes of our own ports; the rule and the
 * delivery end to end are lambdas/processors/webhook-routing.int.test.ts.
 */
import { orderEvent } from '../events/order-events';
import type { PlatformEvent } from '../events/order-events';
import type { Order } from '../domain/order';
import { money } from '../domain/money';
import { FakePublisher } from '../test-support/fake-publisher';
import { WEBHOOK_SUBSCRIBERS_MARK, WebhookRoutingPublisher, WebhookSubscriptions } from './fan-out-routing';
import type { WebhookRegistrations } from './fan-out-routing';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Registrations held in memory, counting the reads; `failing` makes every read reject. */
class MemoryRegistrations implements WebhookRegistrations {
  readonly endpoints = new Map<string, { eventTypes: string[] }[]>();
  reads = 0;
  failing = false;

  register(customerId: string, eventTypes: string[]): void {
    this.endpoints.set(customerId, [...(this.endpoints.get(customerId) ?? []), { eventTypes }]);
  }

  async listEndpoints(customerId: string) {
    this.reads += 1;
    if (this.failing) throw new Error('ServiceUnavailable');
    return this.endpoints.get(customerId) ?? [];
  }
}

const order = (customerId: string): Order => ({
  orderId: `o-${customerId}`,
  customerId,
  lines: [{ productId: 'p', name: 'p', quantity: 1, unitPrice: money(500, 'EUR'), lineTotal: money(500, 'EUR') }],
  total: money(500, 'EUR'),
  status: 'PENDING',
  timeline: [],
  paymentToken: 'tok_visa',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
});

const created = (customerId: string) =>
  orderEvent(order(customerId), `${customerId}-created`, '2026-12-01T10:00:00.000Z', 'order.created');
const confirmed = (customerId: string) =>
  orderEvent(order(customerId), `${customerId}-confirmed`, '2026-12-01T10:00:01.000Z', 'order.confirmed');

const marked = (events: readonly PlatformEvent<object>[]) =>
  events.map((event) => (event.resources ?? []).includes(WEBHOOK_SUBSCRIBERS_MARK));

const setup = (now = () => 0) => {
  const registrations = new MemoryRegistrations();
  const bus = new FakePublisher();
  const subscriptions = new WebhookSubscriptions(registrations, { positiveTtlMs: 1000, now });
  return { registrations, bus, subscriptions, publisher: new WebhookRoutingPublisher(bus, subscriptions, silent) };
};

describe('WebhookRoutingPublisher', () => {
  it('marks nothing for a customer without an endpoint and publishes the events unchanged', async () => {
    const { bus, publisher } = setup();
    const events = [created('c1'), confirmed('c1')];

    await publisher.publish(events);

    expect(bus.published).toEqual(events);
  });

  it('marks exactly the event types a customer subscribed to, leaving the detail as it was', async () => {
    const { registrations, bus, publisher } = setup();
    registrations.register('c1', ['order.confirmed']);

    await publisher.publish([created('c1'), confirmed('c1')]);

    expect(marked(bus.published)).toEqual([false, true]);
    expect(bus.published[1]).toEqual({ ...confirmed('c1'), resources: [WEBHOOK_SUBSCRIBERS_MARK] });
  });

  it('decides per customer within one batch', async () => {
    const { registrations, bus, publisher } = setup();
    registrations.register('c2', ['order.created']);

    await publisher.publish([created('c1'), created('c2'), created('c3')]);

    expect(marked(bus.published)).toEqual([false, true, false]);
  });

  it('marks every order event when the registrations cannot be read (a fan-out too many, never one missing)', async () => {
    const { registrations, bus, publisher } = setup();
    registrations.failing = true;

    await publisher.publish([created('c1'), confirmed('c1')]);

    expect(marked(bus.published)).toEqual([true, true]);
  });

  it('leaves events that are not order events alone and reads nothing for them', async () => {
    const { registrations, bus, publisher } = setup();
    const partner = { source: 'partner.acme', detailType: 'shipment.dispatched', detail: { customerId: 'c1' } };

    await publisher.publish([partner]);

    expect(bus.published).toEqual([partner]);
    expect(registrations.reads).toBe(0);
  });

  it('does not change the event it was given (an outbox record keeps no mark; the relay decides afresh)', async () => {
    const { registrations, publisher } = setup();
    registrations.register('c1', ['order.created']);
    const event = created('c1');

    await publisher.publish([event]);

    expect(event.resources).toBeUndefined();
  });
});

describe('WebhookSubscriptions', () => {
  it('never remembers a "no": an endpoint registered after an order is seen by the next one', async () => {
    const { registrations, bus, publisher } = setup();
    await publisher.publish([created('c1')]);
    registrations.register('c1', ['order.created']);

    await publisher.publish([created('c1')]);

    expect(marked(bus.published)).toEqual([false, true]);
    expect(registrations.reads).toBe(2);
  });

  it('reuses a "yes" within its time to live: one read for the customer\'s subscribed types', async () => {
    const { registrations, subscriptions } = setup();
    registrations.register('c1', ['order.created', 'order.confirmed']);

    expect(await subscriptions.hasSubscriber('c1', 'order.created')).toBe(true);
    expect(await subscriptions.hasSubscriber('c1', 'order.confirmed')).toBe(true);

    expect(registrations.reads).toBe(1);
  });

  it('reads afresh for a type the remembered answer did not include (a subscription added since)', async () => {
    const { registrations, subscriptions } = setup();
    registrations.register('c1', ['order.confirmed']);
    expect(await subscriptions.hasSubscriber('c1', 'order.confirmed')).toBe(true);
    registrations.register('c1', ['order.failed']);

    expect(await subscriptions.hasSubscriber('c1', 'order.failed')).toBe(true);
    expect(registrations.reads).toBe(2);
  });

  it('reads again once the "yes" is older than its time to live (an endpoint deleted costs at most that long)', async () => {
    let now = 0;
    const { registrations, subscriptions } = setup(() => now);
    registrations.register('c1', ['order.created']);
    expect(await subscriptions.hasSubscriber('c1', 'order.created')).toBe(true);
    registrations.endpoints.delete('c1');

    now = 999;
    expect(await subscriptions.hasSubscriber('c1', 'order.created')).toBe(true);
    now = 1000;
    expect(await subscriptions.hasSubscriber('c1', 'order.created')).toBe(false);
    expect(registrations.reads).toBe(2);
  });

  it('remembers at most maxCustomers customers, forgetting the oldest first', async () => {
    const registrations = new MemoryRegistrations();
    const subscriptions = new WebhookSubscriptions(registrations, { maxCustomers: 2, now: () => 0 });
    for (const customer of ['a', 'b', 'c']) registrations.register(customer, ['order.created']);
    for (const customer of ['a', 'b', 'c']) await subscriptions.hasSubscriber(customer, 'order.created');

    await subscriptions.hasSubscriber('c', 'order.created');
    await subscriptions.hasSubscriber('a', 'order.created');

    expect(registrations.reads).toBe(4);
  });

  it('rejects when the registrations cannot be read (the caller decides what that means)', async () => {
    expect.assertions(1);
    const { registrations, subscriptions } = setup();
    registrations.failing = true;

    await expect(subscriptions.hasSubscriber('c1', 'order.created')).rejects.toThrow('ServiceUnavailable');
  });
});
