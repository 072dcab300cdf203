import type { OrderStatus } from '../domain/order-status';

export class IdempotencyKeyConflictError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${JSON.stringify(key)} was already used with a different request body`);
    this.name = 'IdempotencyKeyConflictError';
  }
}

/** The store found the (customer, key) pair taken by a concurrent request. */
export class IdempotencyKeyTakenError extends Error {
  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`Idempotency-Key ${JSON.stringify(key)} is already taken`, options);
    this.name = 'IdempotencyKeyTakenError';
  }
}

export class OrderNotFoundError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
    this.name = 'OrderNotFoundError';
  }
}

/** A conditional status change found the order in a status the transition table does not allow it from. */
export class OrderTransitionRejectedError extends Error {
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    options?: { cause?: unknown },
  ) {
    super(`order ${orderId} is ${from} and cannot move to ${to}`, options);
    this.name = 'OrderTransitionRejectedError';
  }
}

export class OrderAlreadyExistsError extends Error {
  constructor(readonly orderId: string, options?: { cause?: unknown }) {
    super(`order ${orderId} already exists`, options);
    this.name = 'OrderAlreadyExistsError';
  }
}

export class PaginationCursorInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaginationCursorInvalidError';
  }
}
