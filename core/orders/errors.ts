/** The errors of placing and reading orders, under one base (OrderError) with a code and, where it has one, an HTTP status. */
import type { OrderStatus } from '../domain/order-status';
import { PlatformError } from '../errors';

/** What a taken key tells the caller: which order holds it and for which request body (./ports.ts IdempotencyRecord). */
export interface IdempotencyHolder {
  readonly requestHash: string;
  readonly orderId: string;
  /** Epoch seconds after which the key is free again. */
  readonly expiresAt: number;
}
import type { PlatformErrorOptions } from '../errors';

/** The base of the orders area: catch it to catch every order error. */
export abstract class OrderError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

export class IdempotencyKeyConflictError extends OrderError {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${JSON.stringify(key)} was already used with a different request body`, {
      code: 'IDEMPOTENCY_KEY_REUSED',
      httpStatus: 422,
    });
    this.name = 'IdempotencyKeyConflictError';
  }
}

/** The store found the (customer, key) pair taken by an earlier or concurrent request. */
export class IdempotencyKeyTakenError extends OrderError {
  /** The record holding the key, when the store returned it with the failed condition (no read needed). */
  readonly holder?: IdempotencyHolder;

  constructor(
    readonly key: string,
    options?: { cause?: unknown; holder?: IdempotencyHolder },
  ) {
    super(`Idempotency-Key ${JSON.stringify(key)} is already taken`, {
      code: 'IDEMPOTENCY_KEY_TAKEN',
      cause: options?.cause,
    });
    this.name = 'IdempotencyKeyTakenError';
    if (options?.holder !== undefined) this.holder = options.holder;
  }
}

export class OrderNotFoundError extends OrderError {
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`, { code: 'NOT_FOUND', httpStatus: 404 });
    this.name = 'OrderNotFoundError';
  }
}

/** A conditional status change found the order in a status the transition table does not allow it from. */
export class OrderTransitionRejectedError extends OrderError {
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    options?: { cause?: unknown },
  ) {
    super(`order ${orderId} is ${from} and cannot move to ${to}`, {
      code: 'ORDER_TRANSITION_REJECTED',
      cause: options?.cause,
    });
    this.name = 'OrderTransitionRejectedError';
  }
}

export class OrderAlreadyExistsError extends OrderError {
  constructor(
    readonly orderId: string,
    options?: { cause?: unknown },
  ) {
    super(`order ${orderId} already exists`, { code: 'ORDER_ALREADY_EXISTS', cause: options?.cause });
    this.name = 'OrderAlreadyExistsError';
  }
}

export class PaginationCursorInvalidError extends OrderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'INVALID_CURSOR', httpStatus: 400, cause: options?.cause });
    this.name = 'PaginationCursorInvalidError';
  }
}
