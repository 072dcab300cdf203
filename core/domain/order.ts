import { OrderError } from '../orders/errors';
import type { Money } from './money';
import { multiplyMoney, sumMoney } from './money';
import type { FailureReason, OrderStatus } from './order-status';
import type { Product } from './product';
import type { CreateOrderRequest } from './schemas';

export interface OrderLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  /** The catalog price when the order was placed; the client never sends prices. */
  readonly unitPrice: Money;
  readonly lineTotal: Money;
}

/**
 * One line of an order's timeline: what a step did and when. `step` and `outcome` are machine-readable (the
 * dashboard draws from them); `note` is human text. Entries written before steps were recorded have neither.
 */
export interface TimelineEntry {
  /** The order's status after the entry (unchanged for a compensation that moves no status). */
  readonly status: OrderStatus;
  readonly at: string;
  /** PlaceOrder or a saga step: ValidateOrder, ReserveInventory, ChargePayment, ConfirmOrder, RefundPayment, ReleaseInventory, MarkOrderFailed, ParkOrder. */
  readonly step?: string;
  /** Short and machine-readable: placed, validated, reserved, captured, confirmed, invalid, out-of-stock, declined, error, timed-out, refunded, voided, nothing-to-refund, released, nothing-to-release, failed, parked. */
  readonly outcome?: string;
  readonly reason?: FailureReason;
  readonly note?: string;
}

/** The timeline step of the order's creation (the API's POST /api/orders). */
export const PLACE_ORDER_STEP = 'PlaceOrder';

/** A timeline append that would write nothing sensible (an empty or oversized step key, an entry without status or time). */
export class TimelineEntryInvalidError extends OrderError {
  constructor(message: string) {
    super(message, { code: 'TIMELINE_ENTRY_INVALID' });
    this.name = 'TimelineEntryInvalidError';
  }
}

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly status: OrderStatus;
  readonly failureReason?: FailureReason;
  readonly timeline: readonly TimelineEntry[];
  /** Opaque token from the payment provider, used by the saga's charge step; never a card number. */
  readonly paymentToken: string;
  /** The payment provider's transaction id, once ChargePayment has authorised the payment. */
  readonly paymentTransactionId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a receipt or an email shows of an order: the order as it was placed (an order event carries it too). */
export type OrderContent = Pick<Order, 'orderId' | 'customerId' | 'createdAt' | 'lines' | 'total'>;

export interface Violation {
  readonly path: string;
  readonly message: string;
}

export class OrderValidationError extends OrderError {
  constructor(readonly violations: readonly Violation[]) {
    super(`invalid order: ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`, {
      code: 'VALIDATION_FAILED',
      httpStatus: 400,
      details: violations,
      publicMessage: 'the order is invalid',
    });
    this.name = 'OrderValidationError';
  }
}

/**
 * Prices a (schema-valid) request against the catalog: lines and total come from the catalog only.
 * Throws OrderValidationError listing every unknown product, mixed currency and a non-positive total.
 */
export const priceOrder = (
  request: CreateOrderRequest,
  catalog: ReadonlyMap<string, Product>,
): { lines: OrderLine[]; total: Money } => {
  const violations: Violation[] = [];
  const lines: OrderLine[] = [];
  request.items.forEach((item, index) => {
    const product = catalog.get(item.productId);
    if (product === undefined) {
      violations.push({ path: `items.${index}.productId`, message: `unknown product ${item.productId}` });
      return;
    }
    lines.push({
      productId: product.productId,
      name: product.name,
      quantity: item.quantity,
      unitPrice: product.price,
      lineTotal: multiplyMoney(product.price, item.quantity),
    });
  });
  const currencies = new Set(lines.map((line) => line.unitPrice.currency));
  if (currencies.size > 1)
    violations.push({
      path: 'items',
      message: `all products of an order must share one currency, got ${[...currencies].sort().join(', ')}`,
    });
  if (violations.length > 0) throw new OrderValidationError(violations);
  const total = sumMoney(
    lines.map((line) => line.lineTotal),
    lines[0].unitPrice.currency,
  );
  if (total.amount <= 0)
    throw new OrderValidationError([{ path: 'items', message: 'the order total must be positive' }]);
  return { lines, total };
};

/** A new order in PENDING with its first timeline entry. */
export const newOrder = (input: {
  orderId: string;
  customerId: string;
  lines: readonly OrderLine[];
  total: Money;
  paymentToken: string;
  at: string;
}): Order => ({
  orderId: input.orderId,
  customerId: input.customerId,
  lines: input.lines,
  total: input.total,
  status: 'PENDING',
  timeline: [{ status: 'PENDING', at: input.at, step: PLACE_ORDER_STEP, outcome: 'placed' }],
  paymentToken: input.paymentToken,
  createdAt: input.at,
  updatedAt: input.at,
});
