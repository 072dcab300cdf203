/**
 * The errors of the saga steps. Their `name` is the contract with the ASL's Retry/Catch `ErrorEquals`
 * (lambdas/saga/order-saga.asl.json): business errors are caught and compensated, never retried;
 * TransientDependencyError is retried with backoff.
 */
import type { Violation } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

export { OutOfStockError } from '../inventory/inventory';
export { PaymentDeclinedError } from '../payments/payment-provider';

/** The base of the saga area. No HTTP status: a saga error ends in the order's FAILED status, not in an answer. */
export abstract class SagaError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

/** A business outcome, not retried: the order does not match the catalog. */
export class ValidationFailedError extends SagaError {
  constructor(
    readonly orderId: string,
    readonly violations: readonly Violation[],
  ) {
    super(`Order ${orderId} failed validation: ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`, {
      code: 'VALIDATION_FAILED',
      details: violations,
    });
    this.name = 'ValidationFailedError';
  }
}

/** A dependency failed in a way worth retrying (throttling, a network fault, a lost transaction race). */
export class TransientDependencyError extends SagaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'DEPENDENCY_UNAVAILABLE', cause: options?.cause });
    this.name = 'TransientDependencyError';
  }
}

/** The order is in a status this step cannot act on (for example a compensation of a CONFIRMED order). */
export class SagaOrderStateError extends SagaError {
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus | 'MISSING',
    readonly step: string,
  ) {
    super(`${step} cannot act on order ${orderId} in status ${status}`, { code: 'SAGA_ORDER_STATE' });
    this.name = 'SagaOrderStateError';
  }
}

/**
 * A resumed saga (the reconciler, an operator's retry) met an order whose compensation had begun: the ASL routes
 * this from ValidateOrder to RefundPayment, so the compensations run again (each is idempotent) instead of the
 * order being marked FAILED with its stock or payment still held.
 */
export class SagaCompensationPendingError extends SagaError {
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(`order ${orderId} is ${status}: its compensation must finish`, { code: 'SAGA_COMPENSATION_PENDING' });
    this.name = 'SagaCompensationPendingError';
  }
}

/** The Task input is not what the ASL passes ({orderId, step, executionId[, error, compensationError]}). */
export class SagaStepInputInvalidError extends SagaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'SAGA_STEP_INPUT_INVALID', cause: options?.cause });
    this.name = 'SagaStepInputInvalidError';
  }
}

/**
 * The step's idempotency record says another invocation of it is still in progress: a concurrent duplicate, or an
 * invocation that made its effect and then lost its success write or died. The ASL retries it past the in-progress
 * window (the function's timeout), after which the step runs again and answers from its own idempotent effect.
 */
export class StepInProgressError extends SagaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'SAGA_STEP_IN_PROGRESS', cause: options?.cause });
    this.name = 'StepInProgressError';
  }
}
