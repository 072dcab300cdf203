/**
 * The payment-provider port: authorise, capture and refund, each with a provider idempotency key, as card
 * providers (Stripe, Adyen) expose them. The saga talks only to this port; `SimulatedPaymentProvider` implements it
 * today and a real provider can be added behind it later.
 */
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

/** An amount in integer minor units (cents) of an ISO 4217 currency. */
export interface PaymentAmount {
  readonly amount: number;
  readonly currency: string;
}

export type PaymentTransactionStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED';

/** A payment as the provider knows it. `transactionId` is what the order stores. */
export interface PaymentTransaction {
  readonly transactionId: string;
  readonly orderId: string;
  readonly amount: PaymentAmount;
  readonly status: PaymentTransactionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AuthorizeRequest {
  readonly orderId: string;
  readonly amount: PaymentAmount;
  /** A card token; test tokens are named as Stripe names them (tok_visa, tok_chargeDeclined, ...). */
  readonly paymentToken: string;
  readonly idempotencyKey: string;
}

export interface CaptureRequest {
  readonly transactionId: string;
  readonly idempotencyKey: string;
}

export interface RefundRequest {
  readonly transactionId: string;
  readonly idempotencyKey: string;
}

export interface PaymentProvider {
  /** Places a hold. Throws `PaymentDeclinedError` when the card is declined. */
  authorize(request: AuthorizeRequest): Promise<PaymentTransaction>;
  /** Captures a held authorisation. */
  capture(request: CaptureRequest): Promise<PaymentTransaction>;
  /** Returns the money: refunds a capture, voids a hold that was never captured; a no-op on a refunded or voided one. */
  refund(request: RefundRequest): Promise<PaymentTransaction>;
  /** The transaction, for reconciliation and tests. */
  get(transactionId: string): Promise<PaymentTransaction | undefined>;
}

/** The decline codes the simulated provider answers with, named as Stripe's `decline_code`. */
export type DeclineCode = 'generic_decline' | 'insufficient_funds' | 'invalid_token';

/** The base of the payments area. */
export abstract class PaymentError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

/** A business outcome, not retried: the card was declined. The ASL catches it by this name. */
export class PaymentDeclinedError extends PaymentError {
  constructor(
    readonly declineCode: DeclineCode,
    message = `The card was declined (${declineCode})`,
  ) {
    super(message, { code: 'PAYMENT_DECLINED' });
    this.name = 'PaymentDeclinedError';
  }
}

/** The same idempotency key was used with different parameters, which a provider refuses (Stripe answers 400). */
export class PaymentIdempotencyMismatchError extends PaymentError {
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency key ${idempotencyKey} was already used with different parameters`, {
      code: 'PAYMENT_IDEMPOTENCY_MISMATCH',
    });
    this.name = 'PaymentIdempotencyMismatchError';
  }
}

export class PaymentTransactionNotFoundError extends PaymentError {
  constructor(readonly transactionId: string) {
    super(`No payment transaction ${transactionId}`, { code: 'PAYMENT_TRANSACTION_NOT_FOUND' });
    this.name = 'PaymentTransactionNotFoundError';
  }
}

/** A capture of a transaction that is not an open authorisation (voided or refunded first). */
export class PaymentInvalidStateError extends PaymentError {
  constructor(
    readonly transactionId: string,
    readonly status: PaymentTransactionStatus,
    operation: string,
  ) {
    super(`Cannot ${operation} transaction ${transactionId} in status ${status}`, { code: 'PAYMENT_INVALID_STATE' });
    this.name = 'PaymentInvalidStateError';
  }
}

/** Provider idempotency keys are derived from the order, so every retry of a step reuses the key of its first try. */
export const paymentIdempotencyKey = (orderId: string, operation: 'authorize' | 'capture' | 'refund'): string =>
  `order-${orderId}-${operation}`;
