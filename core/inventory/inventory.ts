/**
 * Inventory: real available-stock counters per product and one reservation per order.
 *
 * Reserving takes every line of an order at once or nothing (the adapter does it in one DynamoDB transaction);
 * releasing gives back exactly what the order's reservation took, once. The order's reservation (the adapter keeps it
 * on the order item) is the only source of truth for "is stock held for this order", so both operations are
 * idempotent by themselves. ReserveInventory hands its status change to `reserve`, which makes it in the same write as
 * the reservation: the order is INVENTORY_RESERVED exactly when its stock is held, and the step costs one write.
 */
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';
import type { TransitionRequest } from '../orders/ports';

/** One product's quantity in a reservation. */
export interface StockLine {
  readonly productId: string;
  readonly quantity: number;
}

export type ReservationStatus = 'RESERVED' | 'RELEASED';

export interface Reservation {
  readonly orderId: string;
  readonly lines: readonly StockLine[];
  readonly status: ReservationStatus;
  /** Set on the tombstone of an order that lost a race for the last units: the products it found short. */
  readonly outOfStock?: readonly string[];
}

/**
 * `reserved`: this call took the stock (and made the status change it was given); `already-reserved`: an earlier call
 * did (a retry), and this one made no write: whether the order's status moved is the caller's to find out.
 */
export type ReserveOutcome = 'reserved' | 'already-reserved';

/** `released`: this call returned the stock; `already-released`: an earlier call did; `nothing-reserved`: nothing was held. */
export type ReleaseOutcome = 'released' | 'already-released' | 'nothing-reserved';

/** A status change of the order being reserved, made in the reservation's write (the order is the reservation's). */
export type ReservingTransition = Omit<TransitionRequest, 'orderId'>;

/** The port the saga steps use; `DynamoInventoryStore` (core/store) implements it. */
export interface InventoryPort {
  /**
   * Takes the stock of every line, or nothing. Throws OutOfStockError (nothing reserved) when any product lacks stock;
   * InventoryReservationReleasedError after a release.
   *
   * `transition`: the order's status change to make in the same atomic write (ReserveInventory's VALIDATED ->
   * INVENTORY_RESERVED, with its timeline entry): the stock is taken only if the change is allowed, and the change is
   * made only if the stock is taken. When the order holds no reservation and its status does not allow the change,
   * nothing is written and the store's transition errors are thrown (OrderTransitionRejectedError naming the status
   * found, OrderNotFoundError); a reservation already there answers as without a transition (`already-reserved`,
   * or the errors above), with no status change made.
   */
  reserve(orderId: string, lines: readonly StockLine[], transition?: ReservingTransition): Promise<ReserveOutcome>;
  /** Returns the order's reserved stock; afterwards a late reserve of the same order is refused. */
  release(orderId: string): Promise<ReleaseOutcome>;
  getReservation(orderId: string): Promise<Reservation | undefined>;
  getStock(productId: string): Promise<number | undefined>;
}

/** The base of the inventory area. */
export abstract class InventoryError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

/** A business outcome, not retried: at least one product has less stock than the order asks for. Nothing was reserved. */
export class OutOfStockError extends InventoryError {
  constructor(
    readonly productIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`Out of stock: ${productIds.join(', ')}`, { code: 'OUT_OF_STOCK', cause: options?.cause });
    this.name = 'OutOfStockError';
  }
}

/** A reserve arrived after the order's reservation was released (or released pre-emptively): it must not take stock. */
export class InventoryReservationReleasedError extends InventoryError {
  constructor(readonly orderId: string) {
    super(`The reservation of order ${orderId} was released; it cannot be reserved again`, {
      code: 'RESERVATION_RELEASED',
    });
    this.name = 'InventoryReservationReleasedError';
  }
}

/** Lines that cannot be reserved: empty, a bad product id or a quantity that is not a positive integer. */
export class InventoryLinesInvalidError extends InventoryError {
  constructor(message: string) {
    super(message, { code: 'INVENTORY_LINES_INVALID' });
    this.name = 'InventoryLinesInvalidError';
  }
}

/** At most this many distinct products per order: one transaction (100 items) holds the order's reservation plus one update per product. */
export const MAX_PRODUCTS_PER_RESERVATION = 99;

/**
 * One line per product with the summed quantity, sorted by product id. A transaction may touch an item only once,
 * so two lines of the same product must become one decrement.
 */
export const aggregateLines = (lines: readonly StockLine[]): StockLine[] => {
  if (lines.length === 0) throw new InventoryLinesInvalidError('a reservation needs at least one line');
  const totals = new Map<string, number>();
  for (const line of lines) {
    if (typeof line.productId !== 'string' || line.productId.length === 0)
      throw new InventoryLinesInvalidError(`invalid product id ${JSON.stringify(line.productId)}`);
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0)
      throw new InventoryLinesInvalidError(
        `quantity of ${line.productId} must be a positive integer, got ${line.quantity}`,
      );
    const total = (totals.get(line.productId) ?? 0) + line.quantity;
    if (!Number.isSafeInteger(total)) throw new InventoryLinesInvalidError(`quantity of ${line.productId} overflows`);
    totals.set(line.productId, total);
  }
  if (totals.size > MAX_PRODUCTS_PER_RESERVATION)
    throw new InventoryLinesInvalidError(
      `at most ${MAX_PRODUCTS_PER_RESERVATION} distinct products per order, got ${totals.size}`,
    );
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([productId, quantity]) => ({ productId, quantity }));
};
