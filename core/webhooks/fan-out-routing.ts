/**
 * Order events reach the webhook fan-out only for customers who have (or may have) an endpoint subscribed to the
 * event's type (issue 18; docs/decisions.md). Most customers have no endpoint, and every order event sent to the
 * fan-out for them cost 3 SQS requests, a Lambda invocation and a Query for nothing. The publisher decides: before
 * PutEvents it asks the registrations and marks the events a subscribed endpoint wants (`resources` carries
 * WEBHOOK_SUBSCRIBERS_MARK, outside `detail`), and the rule order-events-to-webhooks matches the mark only.
 *
 * Never a delivery lost for a registered endpoint:
 *  - the answer is read at publish time with a consistent read (an endpoint registered before the publish counts);
 *  - only "yes" is cached, and only for the event types the read saw subscribed: an endpoint registered or a type
 *    added later is read afresh, never hidden by a cached "no". A stale "yes" (an endpoint deleted since) costs one
 *    useless fan-out, which finds nothing to deliver;
 *  - registrations that cannot be read mean "yes": the event is marked (a fan-out too many, never one missing).
 *
 * The decision lives in the publisher (`WebhookRoutingPublisher` wraps the EventBridge adapter), so every path that
 * publishes an order event — OrderService.publishDirect (order.created from the API and the reconciler, the saga's
 * status events), the outbox relay — marks it the same way, and a republished record is marked afresh.
 * Pure: ports only.
 */
import { ORDER_EVENT_SOURCE, ORDER_EVENT_TYPES } from '../events/order-events';
import type { PlatformEvent } from '../events/order-events';
import type { EventPublisher, LogPort } from '../orders/ports';
import { WEBHOOK_SUBSCRIBERS_MARK } from '../platform/resources';

export { WEBHOOK_SUBSCRIBERS_MARK };

/** The registrations as the routing reads them: every endpoint of a customer (core/store/webhook-store.ts). */
export interface WebhookRegistrations {
  listEndpoints(customerId: string): Promise<readonly { readonly eventTypes: readonly string[] }[]>;
}

export interface WebhookSubscriptionsOptions {
  /** How long a "yes" is reused; a stale one costs a useless fan-out, never a lost delivery. */
  readonly positiveTtlMs?: number;
  /** Customers remembered at most (the oldest entry goes first). */
  readonly maxCustomers?: number;
  readonly now?: () => number;
}

export const DEFAULT_POSITIVE_TTL_MS = 60_000;
const DEFAULT_MAX_CUSTOMERS = 10_000;

/**
 * Whether a customer has an endpoint subscribed to an event type: one Query of the customer's registrations, whose
 * answer for every type it saw subscribed is kept for a short time (only the "yes"es). Also the saga's
 * ProgressSubscribers port, so a progress event the saga decided to publish finds its answer here and is not read twice.
 */
export class WebhookSubscriptions {
  private readonly subscribed = new Map<string, { readonly types: ReadonlySet<string>; readonly until: number }>();
  private readonly ttl: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(
    private readonly registrations: WebhookRegistrations,
    options: WebhookSubscriptionsOptions = {},
  ) {
    this.ttl = options.positiveTtlMs ?? DEFAULT_POSITIVE_TTL_MS;
    this.max = options.maxCustomers ?? DEFAULT_MAX_CUSTOMERS;
    this.now = options.now ?? Date.now;
  }

  /** Rejects when the registrations cannot be read (the caller decides what that means). */
  async hasSubscriber(customerId: string, eventType: string): Promise<boolean> {
    const cached = this.subscribed.get(customerId);
    if (cached !== undefined && cached.until > this.now() && cached.types.has(eventType)) return true;
    return (await this.subscribedTypes(customerId)).has(eventType);
  }

  /** Every type the customer's endpoints subscribe to, always read afresh (the "yes"es it finds are kept as above). */
  async subscribedTypes(customerId: string): Promise<ReadonlySet<string>> {
    const types = new Set((await this.registrations.listEndpoints(customerId)).flatMap((e) => [...e.eventTypes]));
    this.remember(customerId, types);
    return types;
  }

  private remember(customerId: string, types: ReadonlySet<string>): void {
    this.subscribed.delete(customerId);
    if (types.size === 0) return;
    if (this.subscribed.size >= this.max) {
      const oldest = this.subscribed.keys().next();
      if (oldest.done !== true) this.subscribed.delete(oldest.value);
    }
    this.subscribed.set(customerId, { types, until: this.now() + this.ttl });
  }
}

const ORDER_TYPES: ReadonlySet<string> = new Set(ORDER_EVENT_TYPES);

/** The customer an event concerns, for the order events only (other events never reach the fan-out). */
const orderCustomer = (event: PlatformEvent<object>): string | undefined => {
  if (event.source !== ORDER_EVENT_SOURCE || !ORDER_TYPES.has(event.detailType)) return undefined;
  const customerId = (event.detail as { customerId?: unknown }).customerId;
  return typeof customerId === 'string' && customerId.length > 0 ? customerId : undefined;
};

/** The event with the mark added (once) to its resources. */
export const markedForWebhooks = (event: PlatformEvent<object>): PlatformEvent<object> => {
  const resources = event.resources ?? [];
  return resources.includes(WEBHOOK_SUBSCRIBERS_MARK)
    ? event
    : { ...event, resources: [...resources, WEBHOOK_SUBSCRIBERS_MARK] };
};

/**
 * Marks the order events whose customer has a subscribed endpoint, then publishes through `inner`. The lookups of a
 * batch run side by side, one per (customer, type). Other events pass unchanged. Any publisher of order events wraps
 * its adapter in this one: an order event published without it never reaches a webhook.
 */
export class WebhookRoutingPublisher implements EventPublisher {
  constructor(
    private readonly inner: EventPublisher,
    private readonly subscriptions: Pick<WebhookSubscriptions, 'hasSubscriber'>,
    private readonly log: LogPort,
  ) {}

  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    const lookups = new Map<string, Promise<boolean>>();
    const wanted = (customerId: string, eventType: string): Promise<boolean> => {
      const key = `${customerId}\u0000${eventType}`;
      let lookup = lookups.get(key);
      if (lookup === undefined) {
        lookup = this.subscriptions.hasSubscriber(customerId, eventType).catch((error: unknown) => {
          this.log.warn('the webhook registrations could not be read; the event goes to the webhook fan-out', {
            customerId,
            eventType,
            error,
          });
          return true;
        });
        lookups.set(key, lookup);
      }
      return lookup;
    };
    const routed = await Promise.all(
      events.map(async (event) => {
        const customerId = orderCustomer(event);
        if (customerId === undefined) return event;
        return (await wanted(customerId, event.detailType)) ? markedForWebhooks(event) : event;
      }),
    );
    await this.inner.publish(routed);
  }
}
