import type { Order } from '../../core/domain/order';

/** The order as the API answers it: everything but the payment token. */
export const presentOrder = (order: Order) => ({
  orderId: order.orderId,
  customerId: order.customerId,
  status: order.status,
  ...(order.failureReason === undefined ? {} : { failureReason: order.failureReason }),
  ...(order.paymentTransactionId === undefined ? {} : { paymentTransactionId: order.paymentTransactionId }),
  lines: order.lines,
  total: order.total,
  timeline: order.timeline,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
});
