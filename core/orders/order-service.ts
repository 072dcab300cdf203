/**
 * The order use cases: idempotent create with a transactional outbox, and the outbox relay.
 */
import { createHash } from 'node:crypto';
import { newOrder, priceOrder } from '../domain/order';
import type { Order } from '../domain/order';
import type { CreateOrderRequest } from '../domain/schemas';
import { orderEvent } from '../events/order-events';
import { IdempotencyKeyConflictError, IdempotencyKeyTakenError, OrderNotFoundError } from './errors';
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
  /** Makes order and event ids; ULIDs in production, so ids sort by creation time. */
  readonly newId: () => string;
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

export class OrderService {
  private readonly now: () => Date;
  private readonly ttl: number;

  constructor(private readonly deps: OrderServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.ttl = deps.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  }

  /**
   * Creates the order once per (customer, Idempotency-Key). The idempotency record is looked up BEFORE any id is
   * made; a concurrent duplicate that loses the transaction's condition re-reads and answers the winner's order.
   */
  async createOrder(
    customerId: string,
    idempotencyKey: string,
    request: CreateOrderRequest,
  ): Promise<CreateOrderResult> {
    const hash = requestHash(request);
    const replay = await this.findReplay(customerId, idempotencyKey, hash);
    if (replay !== undefined) return { order: replay, replayed: true };

    const catalog = await this.deps.products.getProducts(request.items.map((item) => item.productId));
    const { lines, total } = priceOrder(request, catalog);
    const at = this.now();
    const createdAt = at.toISOString();
    const order = newOrder({
      orderId: this.deps.newId(),
      customerId,
      lines,
      total,
      paymentToken: request.paymentToken,
      at: createdAt,
    });
    const eventId = this.deps.newId();
    const outbox: OutboxRecord = {
      orderId: order.orderId,
      eventId,
      event: orderEvent(order, eventId, createdAt),
      status: 'PENDING',
      createdAt,
    };
    try {
      await this.deps.orders.createOrder(
        order,
        {
          customerId,
          key: idempotencyKey,
          requestHash: hash,
          orderId: order.orderId,
          createdAt,
          expiresAt: Math.floor(at.getTime() / 1000) + this.ttl,
        },
        outbox,
      );
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTakenError)) throw error;
      const winner = await this.findReplay(customerId, idempotencyKey, hash);
      if (winner === undefined) throw error;
      return { order: winner, replayed: true };
    }
    await this.publishOutbox([outbox]);
    return { order, replayed: false };
  }

  /**
   * Publishes outbox records and marks the published ones sent. A failure leaves the record PENDING for the relay;
   * it never fails the caller: the order is already safely stored.
   */
  async publishOutbox(records: readonly OutboxRecord[]): Promise<{ published: number; failed: number }> {
    let published = 0;
    let failed = 0;
    for (let start = 0; start < records.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = records.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      let failedIndexes = new Set<number>();
      try {
        await this.deps.publisher.publish(batch.map((record) => record.event));
      } catch (error) {
        failedIndexes =
          error instanceof EventPublishFailedError && error.failedIndexes.length > 0
            ? new Set(error.failedIndexes)
            : new Set(batch.keys());
        this.deps.log.warn('publishing outbox events failed; the relay will retry', {
          eventIds: batch.filter((_, index) => failedIndexes.has(index)).map((record) => record.eventId),
          error,
        });
      }
      const sentAt = this.now().toISOString();
      for (const [index, record] of batch.entries()) {
        if (failedIndexes.has(index)) {
          failed += 1;
          continue;
        }
        await this.deps.outbox.markOutboxSent(record.orderId, record.eventId, sentAt);
        published += 1;
      }
    }
    return { published, failed };
  }

  /** One relay pass: republish what is still pending and older than `minAgeMs` (the API's own attempt comes first). */
  async relayPendingOutbox(
    options: { minAgeMs?: number; limit?: number } = {},
  ): Promise<{ published: number; failed: number }> {
    const createdBefore = new Date(this.now().getTime() - (options.minAgeMs ?? 5000)).toISOString();
    const pending = await this.deps.outbox.listPendingOutbox(createdBefore, options.limit ?? 100);
    return this.publishOutbox(pending);
  }

  private async findReplay(customerId: string, key: string, hash: string): Promise<Order | undefined> {
    const record = await this.deps.orders.getIdempotencyRecord(
      customerId,
      key,
      Math.floor(this.now().getTime() / 1000),
    );
    if (record === undefined) return undefined;
    if (record.requestHash !== hash) throw new IdempotencyKeyConflictError(key);
    const order = await this.deps.orders.getOrder(record.orderId);
    if (order === undefined) throw new OrderNotFoundError(record.orderId);
    return order;
  }
}
