/**
 * The events the platform publishes, and the EventBridge envelope consumers receive them in.
 *
 * Publishing: `{ source: ORDER_EVENT_SOURCE, detailType: 'order.created', detail: {...} }` becomes one
 * PutEvents entry. Consuming (SQS fed by a rule): the message body is the whole EventBridge envelope, never the
 * order itself; the Lambdas parse it with Powertools' EventBridge schema (lambdas/shared/event-envelope.ts) and the
 * detail with `OrderEventDetailSchema`.
 */
import { z } from 'zod';
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';
import { INTERMEDIATE_ORDER_EVENTS, ORDER_EVENT_SOURCE } from '../platform/resources';
import { CustomerIdSchema, OrderIdSchema } from '../domain/ids';
import type { Order, OrderContent } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { FailureReasonSchema, MoneySchema, OrderStatusSchema } from '../domain/schemas';

export { INTERMEDIATE_ORDER_EVENTS, ORDER_EVENT_SOURCE };

export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.validated',
  'order.inventory_reserved',
  'order.payment_captured',
  'order.confirmed',
  'order.compensating',
  'order.failed',
  'order.compensation_failed',
] as const;

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * The version of the order events' detail the platform publishes now (core/events/contracts.ts, docs/events.md):
 * additive changes keep it, breaking ones publish a new version beside the old one during a migration.
 */
export const ORDER_EVENT_VERSION = 1;

/**
 * The detail of every order event: the one contract between the publisher (`orderEvent` below, through the
 * outbox) and the consumers (lambdas/processors parse it with this schema); the type is inferred from it.
 */
export const OrderEventDetailSchema = z
  .object({
    /** Our id of the event, stable across republishing: consumers deduplicate on it. */
    eventId: z.string().min(1),
    /** The contract version (ORDER_EVENT_VERSION when published); absent on events published before versioning, read as 1. */
    version: z.number().int().positive().optional(),
    orderId: OrderIdSchema,
    customerId: CustomerIdSchema,
    status: OrderStatusSchema,
    total: MoneySchema,
    failureReason: FailureReasonSchema.optional(),
    lines: z
      .array(
        z
          .object({
            productId: z.string(),
            quantity: z.number().int().positive(),
            /** The catalog name and prices the order was placed at (since the contract's additive change of issue 18). */
            name: z.string().optional(),
            unitPrice: MoneySchema.optional(),
            lineTotal: MoneySchema.optional(),
          })
          .readonly(),
      )
      .readonly(),
    /** When the order was placed (since the same additive change). */
    createdAt: z.string().min(1).optional(),
    occurredAt: z.string().min(1),
  })
  .readonly();

export type OrderEventDetail = z.infer<typeof OrderEventDetailSchema>;

/**
 * The order's content as the event carries it, so a consumer that shows the order (the email, the receipt) need not
 * read it back from the table; undefined for an event published before the event carried it (a replay of the
 * archive, a record of the outbox), whose consumer reads the order instead.
 */
export const orderContentOf = (detail: OrderEventDetail): OrderContent | undefined => {
  if (detail.createdAt === undefined) return undefined;
  const lines = [];
  for (const line of detail.lines) {
    if (line.name === undefined || line.unitPrice === undefined || line.lineTotal === undefined) return undefined;
    lines.push({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    });
  }
  return {
    orderId: detail.orderId,
    customerId: detail.customerId,
    createdAt: detail.createdAt,
    lines,
    total: detail.total,
  };
};

/** An event as the platform publishes it (one PutEvents entry). */
export interface PlatformEvent<D extends object = OrderEventDetail> {
  readonly source: string;
  readonly detailType: string;
  readonly detail: D;
  /**
   * The entry's `resources`, outside the detail: only routing marks (core/webhooks/fan-out-routing.ts), set by the
   * publisher at publish time and never stored with the event; consumers do not read them.
   */
  readonly resources?: readonly string[];
}

/** The detail-type announcing that an order entered `status`. */
export const eventTypeForStatus = (status: OrderStatus): OrderEventType => {
  switch (status) {
    case 'PENDING':
      return 'order.created';
    case 'NEEDS_ATTENTION':
      return 'order.compensation_failed';
    default:
      return `order.${status.toLowerCase()}` as OrderEventType;
  }
};

/**
 * The id of the event announcing that an order entered `status`, derived from the order and the status: an order
 * enters each status at most once (the transition table has no cycle), so every publish of that announcement (the
 * API's after the commit, the reconciler's republish of an order.created that was lost, a saga step's retry that
 * finds its status change already made and announces it again) carries the same id, and every consumer (they
 * deduplicate on `detail.eventId`) acts on it once. order.created keeps its `<orderId>-created`.
 */
export const orderStatusEventId = (orderId: string, status: OrderStatus): string =>
  `${orderId}-${eventTypeForStatus(status).slice('order.'.length)}`;

/** The id of an order's order.created (orderStatusEventId of PENDING). */
export const orderCreatedEventId = (orderId: string): string => orderStatusEventId(orderId, 'PENDING');

/** The event announcing the order's current status. */
export const orderEvent = (
  order: Order,
  eventId: string,
  occurredAt: string,
  detailType: OrderEventType = eventTypeForStatus(order.status),
): PlatformEvent => ({
  source: ORDER_EVENT_SOURCE,
  detailType,
  detail: {
    eventId,
    version: ORDER_EVENT_VERSION,
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    total: order.total,
    ...(order.failureReason === undefined ? {} : { failureReason: order.failureReason }),
    lines: order.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      name: line.name,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    })),
    createdAt: order.createdAt,
    occurredAt,
  },
});

/**
 * The EventBridge envelope as a rule delivers it to SQS (and Lambda), as far as the domain reads it. Parsing is
 * the Lambdas' job (lambdas/shared/event-envelope.ts, with Powertools' schema), so core imports no Powertools.
 */
export interface EventBridgeEnvelope {
  readonly version?: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly time: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** The base of the events area. */
export abstract class EventError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

export class EventEnvelopeInvalidError extends EventError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'EVENT_ENVELOPE_INVALID', cause: options?.cause });
    this.name = 'EventEnvelopeInvalidError';
  }
}

/**
 * The id consumers deduplicate on: our own `detail.eventId` for the platform's events (stable when the outbox
 * relay republishes), the EventBridge id otherwise.
 */
export const deduplicationId = (envelope: EventBridgeEnvelope): string =>
  envelope.source === ORDER_EVENT_SOURCE &&
  typeof envelope.detail.eventId === 'string' &&
  envelope.detail.eventId.length > 0
    ? envelope.detail.eventId
    : envelope.id;
