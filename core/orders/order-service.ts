/**
 * The order use cases: idempotent create in one transaction, then the direct publish of order.created that does not
 * hold up the caller, with the outbox written only when that publish fails (docs/decisions.md, "the outbox without
 * the extra calls"). The saga's status changes are announced through the same `publishDirect`.
 */
import { createHash } from 'node:crypto';
import { newOrder, priceOrder } from '../domain/order';
import type { Order } from '../domain/order';
import type { CreateOrderRequest } from '../domain/schemas';
import { orderCreatedEventId, orderEvent, orderStatusEventId } from '../events/order-events';
import { IdempotencyKeyConflictError, IdempotencyKeyTakenError, OrderNotFoundError } from './errors';
import type { IdempotencyHolder } from './errors';
import { DEFAULT_RELAY_MAX_ATTEMPTS, relayOutbox } from './outbox-relay';
import { EventPublishFailedError } from './ports';
import type { ProductPrices } from '../products/ports';
import type { EventPublisher, LogPort, OrderOutbox, OrderRepository, OutboxRecord } from './ports';

export interface OrderServiceDeps {
  readonly orders: Pick<OrderRepository, 'getIdempotencyRecord' | 'createOrder' | 'getOrder'>;
  readonly products: ProductPrices;
  readonly outbox: OrderOutbox;
  readonly publisher: EventPublisher;
  readonly log: LogPort;
  readonly now?: () => Date;
  /**
   * Makes order ids; ULIDs in production, so ids sort by creation time (order.created takes its id from the order).
   * Given the order's creation time (epoch ms) as the id's time: a customer's orders are listed by id between two
   * instants, so an id whose clock read a millisecond later than `createdAt` would fall outside its own time range.
   */
  readonly newId: (seedTime?: number) => string;
  /** How long an Idempotency-Key is remembered. */
  readonly idempotencyTtlSeconds?: number;
}

export interface CreateOrderResult {
  readonly order: Order;
  /** True when the key had been seen with the same body: nothing was created. */
  readonly replayed: boolean;
}

const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** PutEvents takes at most 10 entries. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/** sha256 over a canonical form of the request, independent of key order and whitespace in the body. */
export const requestHash = (request: CreateOrderRequest): string =>
  createHash('sha256')
    .update(JSON.stringify([request.paymentToken, request.items.map((item) => [item.productId, item.quantity])]))
    .digest('hex');

/** The order.created of an order as it was created: its stable id, status PENDING, at its creation time. */
export const orderCreatedRecord = (order: Order): OutboxRecord => {
  const { failureReason: _dropped, ...created } = order;
  const eventId = orderCreatedEventId(order.orderId);
  return {
    orderId: order.orderId,
    eventId,
    event: orderEvent({ ...created, status: 'PENDING' }, eventId, order.createdAt, 'order.created'),
    status: 'PENDING',
    createdAt: order.createdAt,
  };
};

/**
 * The event of the status the order is in, under its stable id (orderStatusEventId), dated when the order entered
 * that status (its first timeline entry in it) unless `at` says otherwise: what a saga step publishes after its
 * write, and publishes again when it finds the write made.
 */
export const orderStatusRecord = (order: Order, at?: string): OutboxRecord => {
  if (order.status === 'PENDING') return orderCreatedRecord(order);
  const eventId = orderStatusEventId(order.orderId, order.status);
  const occurredAt = at ?? order.timeline.find((entry) => entry.status === order.status)?.at ?? order.updatedAt;
  return {
    orderId: order.orderId,
    eventId,
    event: orderEvent(order, eventId, occurredAt),
    status: 'PENDING',
    createdAt: occurredAt,
  };
};

export class OrderService {
  private readonly now: () => Date;
  private readonly ttl: number;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: OrderServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.ttl = deps.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  }

  /**
   * Creates the order once per (customer, Idempotency-Key) in one round trip on the happy path: the transaction's
   * condition on the idempotency record is the check, and the record holding a taken key comes back with the
   * cancellation, so only a replay reads (the original order). Ids made for a request that turns out to be a replay
   * are simply dropped. order.created is published after the commit without the caller waiting for it.
   */
  async createOrder(
    customerId: string,
    idempotencyKey: string,
    request: CreateOrderRequest,
  ): Promise<CreateOrderResult> {
    const hash = requestHash(request);
    const catalog = await this.deps.products.getProducts(request.items.map((item) => item.productId));
    let priced: ReturnType<typeof priceOrder>;
    try {
      priced = priceOrder(request, catalog);
    } catch (error) {
      // A product withdrawn since the original request must not turn its replay into a 4xx.
      const replay = await this.findReplay(customerId, idempotencyKey, hash);
      if (replay !== undefined) return { order: replay, replayed: true };
      throw error;
    }
    const at = this.now();
    const createdAt = at.toISOString();
    const order = newOrder({
      orderId: this.deps.newId(at.getTime()),
      customerId,
      lines: priced.lines,
      total: priced.total,
      paymentToken: request.paymentToken,
      at: createdAt,
    });
    try {
      await this.deps.orders.createOrder(order, {
        customerId,
        key: idempotencyKey,
        requestHash: hash,
        orderId: order.orderId,
        createdAt,
        expiresAt: Math.floor(at.getTime() / 1000) + this.ttl,
      });
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTakenError)) throw error;
      const winner =
        error.holder === undefined
          ? await this.findReplay(customerId, idempotencyKey, hash)
          : await this.replayOf(error.holder, idempotencyKey, hash);
      if (winner === undefined) throw error;
      return { order: winner, replayed: true };
    }
    this.publishInBackground([orderCreatedRecord(order)]);
    return { order, replayed: false };
  }

  /**
   * Publishes order.created again for an order the reconciler takes up in PENDING: the API may have died between the
   * commit and its publish, and then no consumer (events log, webhooks) ever saw the order. Same id and content as
   * the first publish, so a consumer that had it deduplicates it; written to the outbox when the bus refuses it.
   */
  async announceCreated(orderId: string): Promise<void> {
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new OrderNotFoundError(orderId);
    await this.publishDirect([orderCreatedRecord(order)]);
  }

  /** Publishes again the event of the status the order is in (orderStatusRecord); the outbox when the bus refuses it. */
  async announceStatus(orderId: string): Promise<void> {
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new OrderNotFoundError(orderId);
    await this.publishDirect([orderStatusRecord(order)]);
  }

  /** Resolves when every publish started in the background so far has finished (graceful shutdown, tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Publishes events straight to the bus, and writes to the outbox only those whose publish failed, for the relay:
   * on the happy path it costs the PutEvents and nothing else. Throws only when a failed event could not be written
   * to the outbox either (then the caller's own retry is the last resort).
   */
  async publishDirect(records: readonly OutboxRecord[]): Promise<{ published: number; failed: number }> {
    let published = 0;
    const failed: OutboxRecord[] = [];
    for (let start = 0; start < records.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = records.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      const failedIndexes = await this.publishBatch(batch);
      published += batch.length - failedIndexes.size;
      failed.push(...batch.filter((_, index) => failedIndexes.has(index)));
    }
    if (failed.length > 0) await this.deps.outbox.saveUnpublished(failed);
    return { published, failed: failed.length };
  }

  /** One PutEvents; the indexes of the records that failed (all of them when the call itself failed). */
  private async publishBatch(batch: readonly OutboxRecord[]): Promise<Set<number>> {
    try {
      await this.deps.publisher.publish(batch.map((record) => record.event));
      return new Set();
    } catch (error) {
      const failedIndexes =
        error instanceof EventPublishFailedError && error.failedIndexes.length > 0
          ? new Set(error.failedIndexes)
          : new Set(batch.keys());
      this.deps.log.warn('publishing events failed; the outbox relay will retry', {
        eventIds: batch.filter((_, index) => failedIndexes.has(index)).map((record) => record.eventId),
        error,
      });
      return failedIndexes;
    }
  }

  private publishInBackground(records: readonly OutboxRecord[]): void {
    const publishing = this.publishDirect(records)
      .then(() => undefined)
      .catch((error: unknown) => {
        // Neither the bus nor the table took the event: the reconciler resumes the order's saga (it stays PENDING).
        this.deps.log.error('order.created neither published nor written to the outbox', {
          orderIds: records.map((record) => record.orderId),
          error,
        });
      })
      .finally(() => this.inFlight.delete(publishing));
    this.inFlight.add(publishing);
  }

  /**
   * One relay pass without a lease, for tests and operators (the scheduled relay is lambdas/outbox/outbox-relay.ts):
   * republishes what is still pending and older than `minAgeMs`, paging `limit` records at a time.
   */
  async relayPendingOutbox(
    options: { minAgeMs?: number; limit?: number } = {},
  ): Promise<{ published: number; failed: number }> {
    const report = await relayOutbox(
      { outbox: this.deps.outbox, publisher: this.deps.publisher, log: this.deps.log, now: this.now },
      {
        minAgeMs: options.minAgeMs ?? 5000,
        maxAttempts: DEFAULT_RELAY_MAX_ATTEMPTS,
        pageSize: options.limit ?? 100,
        deadlineMs: this.now().getTime() + 30_000,
      },
    );
    return { published: report.published, failed: report.failed };
  }

  /** The order a taken key answers: the original one for the same body; 422 for another body. */
  private async replayOf(holder: IdempotencyHolder, key: string, hash: string): Promise<Order> {
    if (holder.requestHash !== hash) throw new IdempotencyKeyConflictError(key);
    const order = await this.deps.orders.getOrder(holder.orderId);
    if (order === undefined) throw new OrderNotFoundError(holder.orderId);
    return order;
  }

  private async findReplay(customerId: string, key: string, hash: string): Promise<Order | undefined> {
    const record = await this.deps.orders.getIdempotencyRecord(
      customerId,
      key,
      Math.floor(this.now().getTime() / 1000),
    );
    return record === undefined ? undefined : this.replayOf(record, key, hash);
  }
}
