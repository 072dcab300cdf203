/**
 * How the domain's records look as items of the single table, in one place: the order, product, outbox and
 * events-log adapters (and the dashboard queries) read the same items, and the order repository writes outbox
 * items inside its own transactions.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { Product } from '../domain/product';
import type { EventRecord } from '../events/ports';
import type { OutboxRecord } from '../orders/ports';
import { keys } from './keys';

export type Item = Record<string, unknown>;

/** An order item as the domain's Order. */
export const toOrder = (item: Item): Order => ({
  orderId: item.orderId as string,
  customerId: item.customerId as string,
  lines: item.lines as Order['lines'],
  total: item.total as Order['total'],
  status: item.status as OrderStatus,
  ...(item.failureReason === undefined ? {} : { failureReason: item.failureReason as Order['failureReason'] }),
  timeline: item.timeline as Order['timeline'],
  paymentToken: item.paymentToken as string,
  ...(item.paymentTransactionId === undefined ? {} : { paymentTransactionId: item.paymentTransactionId as string }),
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

export const orderItem = (order: Order): Item => ({
  ...keys.order(order.orderId),
  ...keys.orderByCustomer(order.customerId, order.orderId),
  ...keys.orderByStatus(order.status, order.createdAt, order.orderId),
  ...keys.orderInAllOrders(order.createdAt, order.orderId),
  type: 'ORDER',
  ...order,
});

export const toProduct = (item: Item): Product => ({
  productId: item.productId as string,
  name: item.name as string,
  price: item.price as Product['price'],
  stock: item.stock as number,
  updatedAt: item.updatedAt as string,
});

export const productItem = (product: Product): Item => ({
  ...keys.product(product.productId),
  ...keys.productInCatalog(product.productId),
  type: 'PRODUCT',
  ...product,
});

export const OUTBOX_ITEM_TYPE = 'OUTBOX';

export const toOutbox = (item: Item): OutboxRecord => ({
  orderId: item.orderId as string,
  eventId: item.eventId as string,
  event: item.event as OutboxRecord['event'],
  status: item.outboxStatus as OutboxRecord['status'],
  createdAt: item.createdAt as string,
  ...(item.sentAt === undefined ? {} : { sentAt: item.sentAt as string }),
  ...(item.attempts === undefined ? {} : { attempts: item.attempts as number }),
});

/** A pending outbox record: in the order's partition, and on GSI2 while pending (sparse). */
export const outboxItem = (record: OutboxRecord): Item => ({
  ...keys.outbox(record.orderId, record.eventId),
  ...keys.outboxPending(record.createdAt, record.eventId),
  type: OUTBOX_ITEM_TYPE,
  orderId: record.orderId,
  eventId: record.eventId,
  event: record.event,
  outboxStatus: 'PENDING',
  createdAt: record.createdAt,
});

/** An events-log item as GET /api/events answers it. */
export const toEventRecord = (item: Item): EventRecord => ({
  eventId: item.eventId as string,
  source: item.source as string,
  detailType: item.detailType as string,
  time: item.time as string,
  detail: item.detail as Record<string, unknown>,
  receivedAt: item.receivedAt as string,
});

/** The indexes of a cancelled transaction's items whose condition failed (none for any other error). */
export const conditionFailedAt = (error: unknown): number[] =>
  error instanceof TransactionCanceledException
    ? (error.CancellationReasons ?? []).flatMap((reason, index) =>
        reason.Code === 'ConditionalCheckFailed' ? [index] : [],
      )
    : [];
