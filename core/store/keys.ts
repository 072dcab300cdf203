/**
 * Every key of the single `orders` table. The access patterns are listed in ./README.md; this file is the only
 * place keys are spelled. Ids never contain '#': customer ids and product ids are validated at the edge, order
 * ids are ULIDs, event ids ULIDs or `<orderId>-<status>` (core/events/order-events.ts, orderStatusEventId).
 */

/**
 * The statuses a saga moves through on its forward path share one partition of the status index, so its forward
 * steps move no index entry: a status change that moves the partition key writes the index twice (the old entry
 * deleted, the new one written: 2 write units on top of the table's). Readers of a status filter the partition by
 * the order's status after reading it (the index holds keys only, so they read the order anyway).
 */
export const IN_FLIGHT_STATUSES: readonly string[] = ['PENDING', 'VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED'];
const statusPartition = (status: string): string =>
  IN_FLIGHT_STATUSES.includes(status) ? 'STATUS#IN_FLIGHT' : `STATUS#${status}`;

export const keys = {
  /**
   * The order item. GSI1: the customer's orders newest first. GSI2: orders by status. GSI3: every order by time (the
   * admin's browser). It also holds the order's stock reservation, the map attribute `reservation`
   * (core/store/dynamo-inventory-store.ts), which the order's mapping (items.ts, toOrder) leaves out.
   */
  order: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' }),
  orderByCustomer: (customerId: string, orderId: string) => ({
    GSI1PK: `CUSTOMER#${customerId}`,
    GSI1SK: `ORDER#${orderId}`,
  }),
  orderByStatus: (status: string, createdAt: string, orderId: string) => ({
    GSI2PK: statusPartition(status),
    GSI2SK: `${createdAt}#${orderId}`,
  }),
  orderInAllOrders: (createdAt: string, orderId: string) => ({ GSI3PK: ALL_ORDERS, GSI3SK: `${createdAt}#${orderId}` }),
  customerOrdersPartition: (customerId: string) => `CUSTOMER#${customerId}`,
  statusPartition: (status: string) => statusPartition(status),
  /** An in-flight status's own partition, where orders indexed before decision 54 still sit; undefined for the others. */
  legacyStatusPartition: (status: string): string | undefined =>
    IN_FLIGHT_STATUSES.includes(status) ? `STATUS#${status}` : undefined,

  /** An outbox record lives in the order's partition; GSI2 holds it only while it is pending (sparse). */
  outbox: (orderId: string, eventId: string) => ({ PK: `ORDER#${orderId}`, SK: `OUTBOX#${eventId}` }),
  outboxPending: (createdAt: string, eventId: string) => ({
    GSI2PK: OUTBOX_PENDING,
    GSI2SK: `${createdAt}#${eventId}`,
  }),
  /** A record the relay gave up on moves to this GSI2 partition, where an operator lists it. */
  outboxParked: (createdAt: string, eventId: string) => ({
    GSI2PK: OUTBOX_PARKED,
    GSI2SK: `${createdAt}#${eventId}`,
  }),
  /** The outbox relay's lease (lambdas/outbox/outbox-relay.ts): one item, so two runs never overlap. */
  outboxRelayLease: () => ({ PK: 'OUTBOX#RELAY_LEASE', SK: 'LEASE' }),

  /** A product; GSI1 lists the catalog. `stock` is a plain number attribute the saga decrements conditionally. */
  product: (productId: string) => ({ PK: `PRODUCT#${productId}`, SK: 'PRODUCT' }),
  productInCatalog: (productId: string) => ({ GSI1PK: CATALOG, GSI1SK: `PRODUCT#${productId}` }),

  /** POST /api/orders idempotency, scoped per customer; expires through TTL (`expiresAt`). */
  idempotency: (customerId: string, key: string) => ({ PK: `IDEMPOTENCY#${customerId}#${key}`, SK: 'IDEMPOTENCY' }),

  /**
   * The separate reservation item of the layout before the reservation moved onto the order item (docs/decisions.md,
   * "the reservation on the order item"). The store no longer writes it; release still reads it, for orders reserved
   * before the change, when the order item holds no reservation. `npm run bench:hot` uses it for its reference
   * approaches, which write no order item.
   */
  reservation: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'RESERVATION' }),

  /** The simulated provider's payment transaction (core/store/dynamo-payment-ledger.ts); GSI1 lists an order's payments. */
  payment: (transactionId: string) => ({ PK: `PAYMENT#${transactionId}`, SK: 'PAYMENT' }),
  paymentOfOrder: (orderId: string, transactionId: string) => ({
    GSI1PK: `ORDER_PAYMENTS#${orderId}`,
    GSI1SK: `PAYMENT#${transactionId}`,
  }),
  orderPaymentsPartition: (orderId: string) => `ORDER_PAYMENTS#${orderId}`,
  /** The saga's payment fence of an order (core/store/dynamo-payment-ledger.ts): CHARGING/AUTHORIZED, or the REFUND_REQUESTED tombstone. */
  paymentFence: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'PAYMENT_FENCE' }),
  /** A claim on one saga execution name of an order (core/store/saga-start-claims.ts), written before StartExecution. */
  sagaStart: (orderId: string, executionName: string) => ({
    PK: `ORDER#${orderId}`,
    SK: `SAGA_START#${executionName}`,
  }),

  /** A webhook registration of a customer; the processors issue owns the rest of its shape. */
  webhook: (customerId: string, webhookId: string) => ({ PK: `CUSTOMER#${customerId}`, SK: `WEBHOOK#${webhookId}` }),
  webhooksOfCustomer: (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SKPrefix: 'WEBHOOK#' }),
  /** What one order earned a customer in loyalty points (core/store/dynamo-loyalty-ledger.ts), in the customer's partition. */
  loyaltyEntry: (customerId: string, orderId: string) => ({ PK: `CUSTOMER#${customerId}`, SK: `LOYALTY#${orderId}` }),
  loyaltyOfCustomer: (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SKPrefix: 'LOYALTY#' }),
  /**
   * One delivery of one event to a webhook endpoint (core/store/webhook-store.ts): its state, attempts and payload,
   * updated per attempt. The delivery id is `msg_<eventId>_<webhookId>`; an order event's id starts with the order's
   * ULID (`<orderId>-<status>`), so the partition sorts by order, newest last (listDeliveries orders a page by time).
   */
  webhookDelivery: (webhookId: string, deliveryId: string) => ({ PK: `WEBHOOK#${webhookId}`, SK: `MSG#${deliveryId}` }),
  webhookDeliveries: (webhookId: string) => ({ PK: `WEBHOOK#${webhookId}`, SKPrefix: 'MSG#' }),

  /** What an order caused, in the order's partition (core/store/order-activity-store.ts): one item per sent email (keyed by the event, so a repeat is the same item) and one per webhook delivery attempt. */
  orderEmail: (orderId: string, eventId: string) => ({ PK: `ORDER#${orderId}`, SK: `ACTIVITY#EMAIL#${eventId}` }),
  orderDeliveryAttempt: (orderId: string, at: string, deliveryId: string, attempt: number) => ({
    PK: `ORDER#${orderId}`,
    SK: `ACTIVITY#DELIVERY#${at}#${deliveryId}#${attempt}`,
  }),
  orderActivity: (orderId: string) => ({ PK: `ORDER#${orderId}`, SKPrefix: 'ACTIVITY#' }),

  /**
   * A partner message taken by ingestion (core/store/dynamo-partner-messages.ts), by Standard Webhooks' idempotency
   * key (partner, webhook-id); expires through TTL. Partner ids hold no '#', so the id after them is unambiguous.
   */
  partnerMessage: (partnerId: string, webhookId: string) => ({
    PK: `PARTNER_MESSAGE#${partnerId}#${webhookId}`,
    SK: 'PARTNER_MESSAGE',
  }),

  /** An event that crossed the bus; GSI1 lists all of them newest first. */
  event: (eventId: string) => ({ PK: `EVENT#${eventId}`, SK: 'EVENT' }),
  eventInLog: (time: string, eventId: string) => ({ GSI1PK: EVENT_LOG, GSI1SK: `${time}#${eventId}` }),
} as const;

export const OUTBOX_PENDING = 'OUTBOX#PENDING';
export const OUTBOX_PARKED = 'OUTBOX#PARKED';
/** The sort key of the order item itself, to tell it from the outbox and activity items in its partition. */
export const ORDER_ITEM_SK = 'ORDER';
/**
 * Powertools Idempotency's records of the functions (lambdas/shared/powertools.ts): one static partition, the
 * hashed key as sort key.
 */
export const FUNCTION_IDEMPOTENCY_PARTITION = 'IDEMPOTENCY#FUNCTIONS';
export const CATALOG = 'CATALOG';
export const EVENT_LOG = 'EVENTS';
/**
 * GSI3's one partition: every order item, by `<createdAt>#<orderId>`. Only order items carry GSI3 keys (sparse). One
 * partition holds about 1,000 index writes a second (docs/decisions.md); shard by day when orders come faster.
 */
export const ALL_ORDERS = 'ORDERS';

/** Index and attribute names of the table, from core/platform/resources.ts. */
export const GSI1 = 'GSI1';
export const GSI2 = 'GSI2';
export const GSI3 = 'GSI3';
export const TTL_ATTRIBUTE = 'expiresAt';
