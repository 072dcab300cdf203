/**
 * The event catalog: one contract per event type the platform publishes, and one for the partner envelope it
 * accepts. A contract names the type, its explicit version, who produces it and the zod schema of its detail — the
 * same schema the consumers parse with, so producer and consumer cannot drift apart silently. JSON Schema
 * (draft-07, AsyncAPI's default dialect) is generated from it for docs/events/schemas/ and /asyncapi.json.
 *
 * Evolution rules (docs/events.md): additive changes — a new optional field — stay within a version; anything a
 * consumer could trip on (a removed or renamed field, a changed type, a new enum value, a field made required) is a
 * breaking change and needs a new version published beside the old one for the migration. compatibility.ts checks
 * the rules against the committed schemas, so a breaking change fails a test.
 */
import { z } from 'zod';
import { newOrder } from '../domain/order';
import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { PartnerEventSchema } from '../partners/ingest';
import { ORDER_EVENT_SOURCE } from '../platform/resources';
import { ORDER_EVENT_TYPES, ORDER_EVENT_VERSION, OrderEventDetailSchema, orderEvent } from './order-events';
import type { OrderEventType } from './order-events';

export interface EventContract {
  /** The EventBridge detail-type (for partner events: the partner's own `type`, so a pattern). */
  readonly type: string;
  readonly source: string;
  readonly version: number;
  readonly summary: string;
  /** Who puts it on the bus. */
  readonly producer: string;
  /** The detail's schema, as consumers parse it. */
  readonly schema: z.ZodType;
  /** A detail exactly as the producer makes it. */
  readonly example: Readonly<Record<string, unknown>>;
}

const SUMMARIES: Readonly<Record<OrderEventType, readonly [string, string]>> = {
  'order.created': ['An order was accepted (HTTP 201); its saga starts.', 'api: POST /api/orders'],
  'order.validated': ['The saga validated the order against the catalog.', 'saga: ValidateOrder'],
  'order.inventory_reserved': ['Stock for every line is reserved.', 'saga: ReserveInventory'],
  'order.payment_captured': ['The payment was captured.', 'saga: ChargePayment'],
  'order.confirmed': ['The order is confirmed: terminal, paid, stock taken.', 'saga: ConfirmOrder'],
  'order.compensating': ['A step failed; the saga undoes what succeeded.', 'saga: compensation'],
  'order.failed': ['The order failed and everything that succeeded was undone.', 'saga: MarkOrderFailed'],
  'order.compensation_failed': [
    'A compensation failed: the order is parked (NEEDS_ATTENTION) for an operator.',
    'saga: ParkOrder',
  ],
};

const STATUS_OF: Readonly<Record<OrderEventType, OrderStatus>> = {
  'order.created': 'PENDING',
  'order.validated': 'VALIDATED',
  'order.inventory_reserved': 'INVENTORY_RESERVED',
  'order.payment_captured': 'PAYMENT_CAPTURED',
  'order.confirmed': 'CONFIRMED',
  'order.compensating': 'COMPENSATING',
  'order.failed': 'FAILED',
  'order.compensation_failed': 'NEEDS_ATTENTION',
};

const AT = '2026-12-01T10:00:00.000Z';

/** The order the contracts' examples are drawn from, in `status` (also the tests' example). */
export const exampleOrder = (status: OrderStatus): Order => {
  const order = newOrder({
    orderId: '01JEXAMP1E0RDER00000000000',
    customerId: 'cust-alice',
    lines: [
      {
        productId: 'sku-coffee',
        name: 'Coffee beans',
        quantity: 2,
        unitPrice: { amount: 1250, currency: 'EUR' },
        lineTotal: { amount: 2500, currency: 'EUR' },
      },
    ],
    total: { amount: 2500, currency: 'EUR' },
    paymentToken: 'tok_visa',
    at: AT,
  });
  const failureReason =
    status === 'FAILED' || status === 'COMPENSATING' || status === 'NEEDS_ATTENTION' ? 'PAYMENT_DECLINED' : undefined;
  return { ...order, status, ...(failureReason === undefined ? {} : { failureReason }) };
};

const orderContract = (type: OrderEventType): EventContract => {
  const [summary, producer] = SUMMARIES[type];
  return {
    type,
    source: ORDER_EVENT_SOURCE,
    version: ORDER_EVENT_VERSION,
    summary,
    producer,
    schema: OrderEventDetailSchema,
    example: orderEvent(exampleOrder(STATUS_OF[type]), `evt_${type}`, AT, type).detail,
  };
};

/** The detail of a partner event on the bus: the partner's payload wrapped with who sent it. */
export const PartnerEventDetailSchema = z
  .object({
    partnerId: z.string().min(1),
    /** The Standard Webhooks `webhook-id` of the signed request. */
    webhookId: z.string().min(1),
    data: PartnerEventSchema.shape.data,
  })
  .readonly();

/** Every contract, order events first, in the order of ORDER_EVENT_TYPES. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  ...ORDER_EVENT_TYPES.map(orderContract),
  {
    type: '<partner type>',
    source: 'partner.<partnerId>',
    version: 1,
    summary:
      'An event a partner pushed, signed (Standard Webhooks), to POST /webhooks/ingest/:partnerId; its detail-type is the type the partner chose.',
    producer: 'api: POST /webhooks/ingest/:partnerId',
    schema: PartnerEventDetailSchema,
    example: { partnerId: 'acme', webhookId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', data: { shipmentId: 'shp_1' } },
  },
];

/** The file name of a contract's committed JSON Schema under docs/events/schemas/. */
export const schemaFileName = (contract: EventContract): string =>
  `${contract.source === ORDER_EVENT_SOURCE ? contract.type : 'partner-event'}.v${contract.version}.json`;

export type JsonSchema = Record<string, unknown>;

/** The contract's detail as JSON Schema draft-07 (AsyncAPI 3's default schema format is a superset of it). */
export const contractJsonSchema = (contract: EventContract): JsonSchema => {
  const schema = z.toJSONSchema(contract.schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' });
  return {
    ...schema,
    title: `${contract.type} v${contract.version}`,
    description: contract.summary,
  } as JsonSchema;
};
