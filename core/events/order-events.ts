/**
 * The events the platform publishes, and the EventBridge envelope consumers receive them in.
 *
 * Publishing: `{ source: ORDER_EVENT_SOURCE, detailType: 'order.created', detail: {...} }` becomes one
 * PutEvents entry. Consuming (SQS fed by a rule): the message body is the whole EventBridge envelope, never the
 * order itself; parse it with `parseEventBridgeEnvelope`.
 */
import { z } from 'zod';
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';
import { ORDER_EVENT_SOURCE } from '../platform/resources';
import type { Money } from '../domain/money';
import type { Order } from '../domain/order';
import type { FailureReason, OrderStatus } from '../domain/order-status';

export { ORDER_EVENT_SOURCE };

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

export interface OrderEventDetail {
  /** Our id of the event, stable across republishing: consumers deduplicate on it. */
  readonly eventId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly total: Money;
  readonly failureReason?: FailureReason;
  readonly lines: readonly { readonly productId: string; readonly quantity: number }[];
  readonly occurredAt: string;
}

/** An event as the platform publishes it (one PutEvents entry). */
export interface PlatformEvent<D extends object = OrderEventDetail> {
  readonly source: string;
  readonly detailType: string;
  readonly detail: D;
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

/** The event announcing the order's current status. */
export const orderEvent = (order: Order, eventId: string, occurredAt: string, detailType: OrderEventType = eventTypeForStatus(order.status)): PlatformEvent => ({
  source: ORDER_EVENT_SOURCE,
  detailType,
  detail: {
    eventId,
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    total: order.total,
    ...(order.failureReason === undefined ? {} : { failureReason: order.failureReason }),
    lines: order.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
    occurredAt,
  },
});

/** The EventBridge envelope as a rule delivers it to SQS (and Lambda). */
export const EventBridgeEnvelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: z.string().min(1),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelopeSchema>;

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

/** Parses an SQS message body holding an EventBridge envelope. */
export const parseEventBridgeEnvelope = (body: string): EventBridgeEnvelope => {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new EventEnvelopeInvalidError('the message body is not JSON', { cause });
  }
  const parsed = EventBridgeEnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new EventEnvelopeInvalidError(`not an EventBridge envelope: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
};

/**
 * The id consumers deduplicate on: our own `detail.eventId` for the platform's events (stable when the outbox
 * relay republishes), the EventBridge id otherwise.
 */
export const deduplicationId = (envelope: EventBridgeEnvelope): string =>
  envelope.source === ORDER_EVENT_SOURCE && typeof envelope.detail.eventId === 'string' && envelope.detail.eventId.length > 0
    ? envelope.detail.eventId
    : envelope.id;
