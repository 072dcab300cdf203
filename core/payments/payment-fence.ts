/**
 * The payment fence of an order: the saga's own record, beside the provider, that orders a charge and a refund of
 * the same order however late either arrives. A real provider (Stripe) takes idempotency keys but cannot be asked
 * "what did this key produce?", so the charge records what it authorised here before capturing, and the refund
 * leaves a tombstone here whether or not it found anything. Both writes are conditional on the one item, so either
 * the refund sees the authorisation (and voids or refunds it) or the charge sees the tombstone (and voids what it
 * authorised, capturing nothing). One gap remains that no write ordering closes: the provider authorised and the
 * table failed (or the process died) before `recordAuthorization`. The refund then sees that a charge began
 * (`chargeBegan`) without an authorisation and asks the charge's authorise again under its idempotency key, which
 * answers the hold it made (core/saga/saga-steps.ts, issue 15).
 */
import { PaymentError } from './payment-provider';

/**
 * - `CHARGING`: a charge began (nothing known to be authorised yet);
 * - `AUTHORIZED`: the charge's authorisation is `transactionId`; only now may it capture;
 * - `REFUND_REQUESTED`: compensation began; no charge of the order may capture from now on (the tombstone).
 */
export type PaymentFenceStatus = 'CHARGING' | 'AUTHORIZED' | 'REFUND_REQUESTED';

export interface PaymentFenceState {
  readonly status: PaymentFenceStatus;
  /** The authorisation the charge recorded, if it got that far. */
  readonly transactionId?: string;
  /**
   * A charge began (`beginCharge`) — so an authorisation may exist at the provider even without `transactionId`: the
   * charge died, or the table failed, between the provider's answer and `recordAuthorization` (issue 15).
   */
  readonly chargeBegan?: boolean;
}

export interface PaymentFence {
  /** A charge begins: `open` unless the tombstone is there already (`fenced`). A retried charge finds it open again. */
  beginCharge(orderId: string, at: string): Promise<'open' | 'fenced'>;
  /** The charge got `transactionId` authorised: `recorded`, or `fenced` when the tombstone came first (void it, capture nothing). */
  recordAuthorization(orderId: string, transactionId: string, at: string): Promise<'recorded' | 'fenced'>;
  /** Compensation begins: writes (or keeps) the tombstone and answers what the charge had recorded before it. */
  requestRefund(orderId: string, at: string): Promise<PaymentFenceState>;
}

/**
 * A charge found the order's compensation already begun (the tombstone): it captured nothing, and voided what it
 * had authorised. Only a late charge meets this; the execution that ran it has moved on.
 */
export class PaymentFencedError extends PaymentError {
  constructor(
    readonly orderId: string,
    readonly voidedTransactionId?: string,
  ) {
    super(
      `The payment of order ${orderId} is fenced: its compensation began, so the charge captures nothing${voidedTransactionId === undefined ? '' : ` (voided ${voidedTransactionId})`}`,
      { code: 'PAYMENT_FENCED' },
    );
    this.name = 'PaymentFencedError';
  }
}
