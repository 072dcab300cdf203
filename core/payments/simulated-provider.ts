/**
 * A simulated card provider that behaves like a real one: test tokens decide the outcome as Stripe's do, every
 * operation takes an idempotency key (a replay answers the first result, a reuse with other parameters is
 * refused), and transactions move AUTHORIZED -> CAPTURED -> REFUNDED or AUTHORIZED -> VOIDED. Its state lives
 * behind the `PaymentLedger` port, so in AWS and locally it is durable (DynamoDB) and shared by the charge and
 * refund functions.
 *
 * Every call is ONE conditional write of one transaction and nothing else (issue 18): the authorisation's id is
 * derived from its idempotency key, so creating it is the idempotency check; a capture or refund applies its key to
 * the transaction it names in the same write that moves the status, under the condition "key not applied yet and
 * the status one the move starts from". Only a refused write is looked at (the ledger answers the item it was
 * refused on), to tell a replay from a misuse or a wrong status. An idempotency key of a capture or refund is
 * therefore scoped to the transaction it names (see `PaymentLedger.move`).
 */
import { createHash } from 'node:crypto';
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

/** The two moves a transaction makes after its authorisation, each at most once. */
export type PaymentMove = 'capture' | 'return';

/**
 * The state machine, as one table the ledger turns into its write condition: the statuses each move starts from
 * (`return` voids a hold and refunds a capture), and which moves a status has made. A status is not stored; the
 * moves made are, so a return is one write whatever it returns (a void or a refund).
 */
export const PAYMENT_MOVES: Readonly<Record<PaymentMove, { readonly from: readonly PaymentTransactionStatus[] }>> = {
  capture: { from: ['AUTHORIZED'] },
  return: { from: ['AUTHORIZED', 'CAPTURED'] },
};

export const MOVES_MADE: Readonly<Record<PaymentTransactionStatus, readonly PaymentMove[]>> = {
  AUTHORIZED: [],
  CAPTURED: ['capture'],
  VOIDED: ['return'],
  REFUNDED: ['capture', 'return'],
};

/** The status of a transaction that has made `made` (the inverse of MOVES_MADE). */
export const statusOf = (made: ReadonlySet<PaymentMove>): PaymentTransactionStatus => {
  if (made.has('return')) return made.has('capture') ? 'REFUNDED' : 'VOIDED';
  return made.has('capture') ? 'CAPTURED' : 'AUTHORIZED';
};

/** The id of the authorisation an idempotency key makes: the same key always names the same transaction. */
export const authorizationIdOf = (idempotencyKey: string): string =>
  `pi_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;

/** An idempotency key applied to a transaction, with the fingerprint of the request it was first used with. */
export interface AppliedKey {
  readonly idempotencyKey: string;
  readonly fingerprint: string;
}

/** A transaction and the idempotency keys applied to it (key -> fingerprint), the authorisation's among them. */
export interface LedgerEntry {
  readonly transaction: PaymentTransaction;
  readonly appliedKeys: Readonly<Record<string, string>>;
}

/** A conditional write: done (the entry after it), or refused (the entry as the refusal found it; none if absent). */
export type LedgerWrite =
  | { readonly written: true; readonly entry: LedgerEntry }
  | { readonly written: false; readonly found: LedgerEntry | undefined };

/** Durable state of the simulated provider. Each method is at most one single-item operation. */
export interface PaymentLedger {
  read(transactionId: string): Promise<LedgerEntry | undefined>;
  /** Writes a new transaction with the key that made it, unless a transaction with its id exists. */
  create(transaction: PaymentTransaction, key: AppliedKey): Promise<LedgerWrite>;
  /**
   * Makes `move` at `at` and applies `key` to the transaction, unless the key is applied to it already or its
   * status is not one the move starts from (PAYMENT_MOVES). Keys are kept per transaction: a key applied to another
   * transaction is not seen here.
   */
  move(transactionId: string, move: PaymentMove, at: string, key: AppliedKey): Promise<LedgerWrite>;
}

export interface SimulatedProviderOptions {
  readonly ledger: PaymentLedger;
  readonly now?: () => Date;
}

export class SimulatedPaymentProvider implements PaymentProvider {
  private readonly now: () => Date;

  constructor(private readonly options: SimulatedProviderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async authorize(request: AuthorizeRequest): Promise<PaymentTransaction> {
    const key: AppliedKey = {
      idempotencyKey: request.idempotencyKey,
      fingerprint: `authorize:${request.orderId}:${request.amount.amount}:${request.amount.currency}:${request.paymentToken}`,
    };
    const transactionId = authorizationIdOf(request.idempotencyKey);
    const refusal = refusalOf(request);
    if (refusal) {
      // A key already used answers (or is refused) before the card is looked at, as a provider does.
      const found = await this.options.ledger.read(transactionId);
      if (found) return replayOf(found, key);
      throw refusal;
    }

    const at = this.now().toISOString();
    const write = await this.options.ledger.create(
      {
        transactionId,
        orderId: request.orderId,
        amount: request.amount,
        status: 'AUTHORIZED',
        createdAt: at,
        updatedAt: at,
      },
      key,
    );
    // Refused: the key made this transaction before (a replay, a lost answer, a concurrent twin) or was misused.
    return write.written ? write.entry.transaction : replayOf(found(write, transactionId), key);
  }

  async capture(request: CaptureRequest): Promise<PaymentTransaction> {
    const key: AppliedKey = { idempotencyKey: request.idempotencyKey, fingerprint: `capture:${request.transactionId}` };
    const write = await this.options.ledger.move(request.transactionId, 'capture', this.now().toISOString(), key);
    if (write.written) return write.entry.transaction;
    const current = found(write, request.transactionId);
    if (current.appliedKeys[key.idempotencyKey] !== undefined) return replayOf(current, key);
    // Captured under another key (a concurrent capture won): the capture the caller wants has happened.
    if (current.transaction.status === 'CAPTURED') return current.transaction;
    throw new PaymentInvalidStateError(request.transactionId, current.transaction.status, 'capture');
  }

  async refund(request: RefundRequest): Promise<PaymentTransaction> {
    const key: AppliedKey = { idempotencyKey: request.idempotencyKey, fingerprint: `refund:${request.transactionId}` };
    const write = await this.options.ledger.move(request.transactionId, 'return', this.now().toISOString(), key);
    if (write.written) return write.entry.transaction;
    const current = found(write, request.transactionId);
    // Already refunded or voided, under this key or another: a refund changes nothing more.
    if (current.transaction.status === 'REFUNDED' || current.transaction.status === 'VOIDED')
      return current.transaction;
    // Open, so the write was refused for its key: used before with another request.
    return replayOf(current, key);
  }

  async get(transactionId: string): Promise<PaymentTransaction | undefined> {
    return (await this.options.ledger.read(transactionId))?.transaction;
  }
}

/** Why the provider refuses an authorisation before writing anything, if it does. */
const refusalOf = (request: AuthorizeRequest): Error | undefined => {
  const token = TEST_TOKENS[request.paymentToken];
  if (!token) return new PaymentDeclinedError('invalid_token', `Unknown payment token ${request.paymentToken}`);
  if (token.outcome === 'decline') return new PaymentDeclinedError(token.code);
  if (!Number.isSafeInteger(request.amount.amount) || request.amount.amount <= 0) {
    return new RangeError(`A payment amount is a positive integer of minor units, got ${request.amount.amount}`);
  }
  return undefined;
};

/** The transaction a key produced, when `key` was first used with the same request; otherwise the key is misused. */
const replayOf = (entry: LedgerEntry, key: AppliedKey): PaymentTransaction => {
  if (entry.appliedKeys[key.idempotencyKey] !== key.fingerprint)
    throw new PaymentIdempotencyMismatchError(key.idempotencyKey);
  return entry.transaction;
};

const found = (write: LedgerWrite, transactionId: string): LedgerEntry => {
  const entry = write.written ? write.entry : write.found;
  if (!entry) throw new PaymentTransactionNotFoundError(transactionId);
  return entry;
};
