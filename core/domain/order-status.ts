/**
 * Order statuses and the ONE table of allowed transitions.
 *
 * Forward: PENDING -> VALIDATED -> INVENTORY_RESERVED -> PAYMENT_CAPTURED -> CONFIRMED.
 * A failure before anything was reserved goes straight to FAILED (from PENDING or VALIDATED). Once something
 * may need undoing (stock reserved, payment captured) the only way out is COMPENSATING, which ends in FAILED
 * (all undone) or NEEDS_ATTENTION (a compensation failed; an operator later moves it to FAILED).
 * The store turns `allowedPreviousStatuses(to)` into the condition of its conditional write.
 */
import { OrderError } from '../orders/errors';

export const ORDER_STATUSES = [
  'PENDING',
  'VALIDATED',
  'INVENTORY_RESERVED',
  'PAYMENT_CAPTURED',
  'CONFIRMED',
  'COMPENSATING',
  'FAILED',
  'NEEDS_ATTENTION',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  PENDING: ['VALIDATED', 'COMPENSATING', 'FAILED'],
  VALIDATED: ['INVENTORY_RESERVED', 'COMPENSATING', 'FAILED'],
  INVENTORY_RESERVED: ['PAYMENT_CAPTURED', 'COMPENSATING'],
  PAYMENT_CAPTURED: ['CONFIRMED', 'COMPENSATING'],
  CONFIRMED: [],
  COMPENSATING: ['FAILED', 'NEEDS_ATTENTION'],
  FAILED: [],
  NEEDS_ATTENTION: ['FAILED'],
});

export const FAILURE_REASONS = [
  'VALIDATION_FAILED',
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'CONFIRMATION_FAILED',
  'COMPENSATION_FAILED',
  'SAGA_TIMEOUT',
  'INTERNAL_ERROR',
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

export class OrderTransitionInvalidError extends OrderError {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`an order cannot move from ${from} to ${to}`, { code: 'ORDER_TRANSITION_INVALID' });
    this.name = 'OrderTransitionInvalidError';
  }
}

export const isOrderStatus = (value: unknown): value is OrderStatus =>
  typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => ORDER_TRANSITIONS[from].includes(to);

export const assertTransition = (from: OrderStatus, to: OrderStatus): void => {
  if (!canTransition(from, to)) throw new OrderTransitionInvalidError(from, to);
};

/** Every status from which `to` may be entered: the guard of the conditional write. */
export const allowedPreviousStatuses = (to: OrderStatus): readonly OrderStatus[] =>
  ORDER_STATUSES.filter((from) => canTransition(from, to));

export const isTerminal = (status: OrderStatus): boolean => ORDER_TRANSITIONS[status].length === 0;

/** Entering these statuses records a failure reason. */
export const isFailureStatus = (status: OrderStatus): boolean =>
  status === 'COMPENSATING' || status === 'FAILED' || status === 'NEEDS_ATTENTION';
