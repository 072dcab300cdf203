/**
 * The narrow ports of the order aggregate: the order repository (orders, their idempotency records and
 * timelines), its outbox, and the bus. Adapters: core/store/dynamo-order-repository.ts, core/store/dynamo-outbox.ts,
 * core/adapters/eventbridge-publisher.ts; the catalog is core/products/ports.ts. Tests pass fakes of these, or the
 * real adapters against DynamoDB Local.
 */
import type { PlatformEvent } from '../events/order-events';
import { OrderError } from './errors';
import type { Order, TimelineEntry } from '../domain/order';
import type { FailureReason, OrderStatus } from '../domain/order-status';
import type { Page, PageRequest } from '../domain/page';

export type { Page, PageRequest } from '../domain/page';

/** One POST /api/orders remembered under (customer, Idempotency-Key). */
export interface IdempotencyRecord {
  readonly customerId: string;
  readonly key: string;
  /** sha256 of the canonical request: the same key with another body is a conflict. */
  readonly requestHash: string;
  readonly orderId: string;
  readonly createdAt: string;
  /** Epoch seconds; DynamoDB TTL removes the record after this, and reads ignore it from then on. */
  readonly expiresAt: number;
}

/** PARKED: the relay gave up after its attempt cap; an operator looks (the relay's alarm says so). */
export type OutboxStatus = 'PENDING' | 'SENT' | 'PARKED';

/**
 * An event the relay is to publish: written only when a direct publish failed (the API's order.created, a saga
 * step's status change), or with the order it announces (`createOrder`'s optional record).
 */
export interface OutboxRecord {
  readonly orderId: string;
  readonly eventId: string;
  readonly event: PlatformEvent<object>;
  readonly status: OutboxStatus;
  readonly createdAt: string;
  readonly sentAt?: string;
  /** Failed relay attempts so far (absent: none). */
  readonly attempts?: number;
}

export interface TransitionRequest {
  readonly orderId: string;
  readonly to: OrderStatus;
  readonly at: string;
  /** Recorded on the timeline; the order's failureReason keeps the first reason it was given. */
  readonly reason?: FailureReason;
  readonly note?: string;
  /** The timeline entry's step and machine-readable outcome (see TimelineEntry). */
  readonly step?: string;
  readonly outcome?: string;
  /** The payment provider's transaction id, stored on the order by the same write (PAYMENT_CAPTURED). */
  readonly paymentTransactionId?: string;
}

/**
 * The order aggregate: the order item with its timeline, and the write that must commit with it (the idempotency
 * record on create) in one transaction; a status change is one conditional write of the order alone.
 */
export interface OrderRepository {
  getIdempotencyRecord(
    customerId: string,
    key: string,
    nowEpochSeconds: number,
  ): Promise<IdempotencyRecord | undefined>;
  /**
   * Order and idempotency record (and the outbox record, when given) in one transaction whose condition is the
   * idempotency check; IdempotencyKeyTakenError when the key is in use, carrying the holder when the store returns it.
   */
  createOrder(order: Order, idempotency: IdempotencyRecord, outbox?: OutboxRecord): Promise<void>;
  getOrder(orderId: string): Promise<Order | undefined>;
  /** The order and the events it wrote to the outbox, oldest first. */
  getOrderWithEvents(orderId: string): Promise<{ order: Order; events: OutboxRecord[] } | undefined>;
  /** The customer's orders, newest first. */
  listCustomerOrders(customerId: string, page?: PageRequest): Promise<Page<Order>>;
  /** The orders now in `status`, oldest first. */
  listOrdersByStatus(status: OrderStatus, page?: PageRequest): Promise<Page<Order>>;
  /**
   * The one way an order's status changes: a conditional write guarded by the statuses the transition table allows
   * `to` from, appending to the timeline; one UpdateItem. Its announcement is the caller's (core/saga/saga-steps.ts).
   */
  transitionOrder(request: TransitionRequest): Promise<Order>;
  /**
   * Appends an entry without changing the status, at most once per `stepKey` per order (a retried or re-delivered
   * step appends nothing). True when appended, false when the key was recorded already; OrderNotFoundError when
   * there is no such order; TimelineEntryInvalidError for an empty key or an entry without status or time.
   */
  appendTimeline(orderId: string, entry: TimelineEntry, stepKey: string): Promise<boolean>;
}

/** The outbox records the relay has still to publish. */
export interface OrderOutbox {
  /**
   * Pending records created before `createdBefore` (ISO), oldest first; after `after` (a record of the previous
   * page, which need not be pending any more) when given.
   */
  listPendingOutbox(createdBefore: string, limit: number, after?: OutboxRecord): Promise<OutboxRecord[]>;
  /** OrderNotFoundError when there is no such record. */
  markOutboxSent(orderId: string, eventId: string, sentAt: string): Promise<void>;
  /**
   * Writes records whose direct publish failed, PENDING, for the relay. A record already there (written with its
   * state change) is left as it is.
   */
  saveUnpublished(records: readonly OutboxRecord[]): Promise<void>;
  /**
   * Counts one failed publish of a pending record: `parked` (off the pending list, status PARKED) once the count
   * reaches `maxAttempts`, else `pending`. `unchanged` when the record is no longer what the relay read (not pending,
   * or another attempt counted meanwhile).
   */
  recordPublishFailure(
    record: OutboxRecord,
    reason: string,
    maxAttempts: number,
    at: string,
  ): Promise<'pending' | 'parked' | 'unchanged'>;
}

/** One relay run at a time: a lease with an expiry, so a run that died does not hold it for ever. */
export interface RelayLease {
  /** True when `owner` holds the lease until `untilMs` (epoch ms): it was free, expired at `nowMs`, or already its own. */
  acquire(owner: string, untilMs: number, nowMs: number): Promise<boolean>;
  /** Frees the lease if `owner` still holds it. */
  release(owner: string): Promise<void>;
}

/** Publishes to the platform bus. Throws EventPublishFailedError naming the entries that failed. */
export interface EventPublisher {
  publish(events: readonly PlatformEvent<object>[]): Promise<void>;
}

/** The few log calls the use cases make; Powertools Logger satisfies it. */
export interface LogPort {
  info(message: string, extra: { [key: string]: unknown }): void;
  warn(message: string, extra: { [key: string]: unknown }): void;
  error(message: string, extra: { [key: string]: unknown }): void;
}

export class EventPublishFailedError extends OrderError {
  constructor(
    message: string,
    /** Indexes into the published array that failed; empty when the whole call failed. */
    readonly failedIndexes: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(message, { code: 'EVENT_PUBLISH_FAILED', cause: options?.cause });
    this.name = 'EventPublishFailedError';
  }
}
