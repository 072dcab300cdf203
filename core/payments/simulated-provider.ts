/**
 * A simulated card provider that behaves like a real one: test tokens decide the outcome as Stripe's do, every
 * operation takes an idempotency key (a replay answers the first result, a reuse with other parameters is
 * refused), and transactions move AUTHORIZED -> CAPTURED -> REFUNDED or AUTHORIZED -> VOIDED. Its state lives
 * behind the `PaymentLedger` port, so in AWS and locally it is durable (DynamoDB) and shared by the charge and
 * refund functions.
 */
import {
  PaymentDeclinedError,
  PaymentIdempotencyMismatchError,
  PaymentInvalidStateError,
  PaymentTransactionNotFoundError,
  type AuthorizeRequest,
  type CaptureRequest,
  type DeclineCode,
  type PaymentProvider,
  type PaymentTransaction,
  type PaymentTransactionStatus,
  type RefundRequest,
} from './payment-provider';

/** Stripe's test tokens that the simulator knows. Any other token is refused as `invalid_token`. */
export const TEST_TOKENS: Readonly<
  Record<string, { readonly outcome: 'approve' } | { readonly outcome: 'decline'; readonly code: DeclineCode }>
> = {
  tok_visa: { outcome: 'approve' },
  tok_mastercard: { outcome: 'approve' },
  tok_amex: { outcome: 'approve' },
  tok_chargeDeclined: { outcome: 'decline', code: 'generic_decline' },
  tok_chargeDeclinedInsufficientFunds: { outcome: 'decline', code: 'insufficient_funds' },
};

/** What an idempotency key answered: the request it was first used with, and the transaction it produced. */
export interface IdempotencyRecord {
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly transactionId: string;
}

export type TransitionOutcome = 'done' | 'key-exists' | 'wrong-status';

/** Durable state of the simulated provider. Each write is atomic with its idempotency record. */
export interface PaymentLedger {
  findIdempotencyRecord(idempotencyKey: string): Promise<IdempotencyRecord | undefined>;
  get(transactionId: string): Promise<PaymentTransaction | undefined>;
  /** Writes a new transaction and its idempotency record together; false when the key was taken (a lost race). */
  create(transaction: PaymentTransaction, record: IdempotencyRecord): Promise<boolean>;
  /** Moves the transaction from one of `from` to `to`, together with the idempotency record. */
  transition(
    transactionId: string,
    from: readonly PaymentTransactionStatus[],
    to: PaymentTransactionStatus,
    at: string,
    record: IdempotencyRecord,
  ): Promise<TransitionOutcome>;
}

export interface SimulatedProviderOptions {
  readonly ledger: PaymentLedger;
  readonly newTransactionId: () => string;
  readonly now?: () => Date;
}

export class SimulatedPaymentProvider implements PaymentProvider {
  private readonly now: () => Date;

  constructor(private readonly options: SimulatedProviderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async authorize(request: AuthorizeRequest): Promise<PaymentTransaction> {
    const fingerprint = `authorize:${request.orderId}:${request.amount.amount}:${request.amount.currency}:${request.paymentToken}`;
    const replay = await this.replay(request.idempotencyKey, fingerprint);
    if (replay) return replay;

    const token = TEST_TOKENS[request.paymentToken];
    if (!token) throw new PaymentDeclinedError('invalid_token', `Unknown payment token ${request.paymentToken}`);
    if (token.outcome === 'decline') throw new PaymentDeclinedError(token.code);
    if (!Number.isSafeInteger(request.amount.amount) || request.amount.amount <= 0) {
      throw new RangeError(`A payment amount is a positive integer of minor units, got ${request.amount.amount}`);
    }

    const at = this.now().toISOString();
    const transaction: PaymentTransaction = {
      transactionId: this.options.newTransactionId(),
      orderId: request.orderId,
      amount: request.amount,
      status: 'AUTHORIZED',
      createdAt: at,
      updatedAt: at,
    };
    const created = await this.options.ledger.create(transaction, {
      idempotencyKey: request.idempotencyKey,
      fingerprint,
      transactionId: transaction.transactionId,
    });
    if (created) return transaction;
    // Another attempt with the same key won the race: answer what it produced.
    const winner = await this.replay(request.idempotencyKey, fingerprint);
    if (!winner) throw new PaymentIdempotencyMismatchError(request.idempotencyKey);
    return winner;
  }

  async capture(request: CaptureRequest): Promise<PaymentTransaction> {
    return this.move(request.transactionId, request.idempotencyKey, 'capture', ['AUTHORIZED'], 'CAPTURED');
  }

  async refund(request: RefundRequest): Promise<PaymentTransaction> {
    const current = await this.require(request.transactionId);
    if (current.status === 'REFUNDED' || current.status === 'VOIDED') return current;
    const to = current.status === 'CAPTURED' ? 'REFUNDED' : 'VOIDED';
    return this.move(request.transactionId, request.idempotencyKey, 'refund', [current.status], to);
  }

  get(transactionId: string): Promise<PaymentTransaction | undefined> {
    return this.options.ledger.get(transactionId);
  }

  private async move(
    transactionId: string,
    idempotencyKey: string,
    operation: 'capture' | 'refund',
    from: readonly PaymentTransactionStatus[],
    to: PaymentTransactionStatus,
  ): Promise<PaymentTransaction> {
    const fingerprint = `${operation}:${transactionId}`;
    const replay = await this.replay(idempotencyKey, fingerprint);
    if (replay) return replay;

    const outcome = await this.options.ledger.transition(transactionId, from, to, this.now().toISOString(), {
      idempotencyKey,
      fingerprint,
      transactionId,
    });
    if (outcome === 'key-exists') {
      const winner = await this.replay(idempotencyKey, fingerprint);
      if (winner) return winner;
    }
    const current = await this.require(transactionId);
    if (outcome === 'done' || current.status === to) return current;
    throw new PaymentInvalidStateError(transactionId, current.status, operation);
  }

  private async replay(idempotencyKey: string, fingerprint: string): Promise<PaymentTransaction | undefined> {
    const record = await this.options.ledger.findIdempotencyRecord(idempotencyKey);
    if (!record) return undefined;
    if (record.fingerprint !== fingerprint) throw new PaymentIdempotencyMismatchError(idempotencyKey);
    return this.require(record.transactionId);
  }

  private async require(transactionId: string): Promise<PaymentTransaction> {
    const transaction = await this.options.ledger.get(transactionId);
    if (!transaction) throw new PaymentTransactionNotFoundError(transactionId);
    return transaction;
  }
}
