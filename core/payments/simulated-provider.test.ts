import fc from 'fast-check';
import {
  PaymentDeclinedError,
  PaymentIdempotencyMismatchError,
  PaymentInvalidStateError,
  paymentIdempotencyKey,
  type PaymentTransaction,
  type PaymentTransactionStatus,
} from './payment-provider';
import {
  SimulatedPaymentProvider,
  type IdempotencyRecord,
  type PaymentLedger,
  type TransitionOutcome,
} from './simulated-provider';

/** A fake of our own port: the same contract the DynamoDB ledger keeps, in a map. */
class MapLedger implements PaymentLedger {
  readonly transactions = new Map<string, PaymentTransaction>();
  readonly records = new Map<string, IdempotencyRecord>();

  async findIdempotencyRecord(key: string) {
    return this.records.get(key);
  }
  async get(id: string) {
    return this.transactions.get(id);
  }
  async create(transaction: PaymentTransaction, record: IdempotencyRecord) {
    if (this.records.has(record.idempotencyKey)) return false;
    this.records.set(record.idempotencyKey, record);
    this.transactions.set(transaction.transactionId, transaction);
    return true;
  }
  async transition(
    id: string,
    from: readonly PaymentTransactionStatus[],
    to: PaymentTransactionStatus,
    at: string,
    record: IdempotencyRecord,
  ): Promise<TransitionOutcome> {
    if (this.records.has(record.idempotencyKey)) return 'key-exists';
    const current = this.transactions.get(id);
    if (!current || !from.includes(current.status)) return 'wrong-status';
    this.records.set(record.idempotencyKey, record);
    this.transactions.set(id, { ...current, status: to, updatedAt: at });
    return 'done';
  }
}

const newProvider = () => {
  const ledger = new MapLedger();
  let next = 0;
  const provider = new SimulatedPaymentProvider({ ledger, newTransactionId: () => `txn_${++next}` });
  return { ledger, provider };
};

const amount = { amount: 2599, currency: 'EUR' };
const authorize = (provider: SimulatedPaymentProvider, orderId: string, paymentToken = 'tok_visa') =>
  provider.authorize({ orderId, amount, paymentToken, idempotencyKey: paymentIdempotencyKey(orderId, 'authorize') });

describe('SimulatedPaymentProvider', () => {
  it('approves tok_visa, then captures the authorisation', async () => {
    const { provider } = newProvider();

    const held = await authorize(provider, 'o1');
    const captured = await provider.capture({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o1', 'capture'),
    });

    expect(held.status).toBe('AUTHORIZED');
    expect(captured).toMatchObject({ transactionId: held.transactionId, status: 'CAPTURED', amount });
  });

  it.each([
    ['tok_chargeDeclined', 'generic_decline'],
    ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['tok_unknown', 'invalid_token'],
  ])('declines %s with %s and records no transaction', async (token, code) => {
    expect.assertions(3);
    const { provider, ledger } = newProvider();

    await authorize(provider, 'o1', token).catch((error: PaymentDeclinedError) => {
      expect(error).toBeInstanceOf(PaymentDeclinedError);
      expect(error.declineCode).toBe(code);
    });
    expect(ledger.transactions.size).toBe(0);
  });

  it('answers a replayed key with the first result and refuses the key with other parameters', async () => {
    const { provider, ledger } = newProvider();
    const first = await authorize(provider, 'o1');

    const replay = await authorize(provider, 'o1');
    const misuse = provider.authorize({
      orderId: 'o1',
      amount: { amount: 1, currency: 'EUR' },
      paymentToken: 'tok_visa',
      idempotencyKey: paymentIdempotencyKey('o1', 'authorize'),
    });

    expect(replay).toEqual(first);
    await expect(misuse).rejects.toBeInstanceOf(PaymentIdempotencyMismatchError);
    expect(ledger.transactions.size).toBe(1);
  });

  it('refunds a capture, voids an uncaptured hold, and a second refund changes nothing', async () => {
    const { provider } = newProvider();
    const captured = await authorize(provider, 'o1').then((t) =>
      provider.capture({ transactionId: t.transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'capture') }),
    );
    const held = await authorize(provider, 'o2');

    const refunded = await provider.refund({
      transactionId: captured.transactionId,
      idempotencyKey: paymentIdempotencyKey('o1', 'refund'),
    });
    const voided = await provider.refund({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o2', 'refund'),
    });
    const again = await provider.refund({ transactionId: captured.transactionId, idempotencyKey: 'another-key' });

    expect(refunded.status).toBe('REFUNDED');
    expect(voided.status).toBe('VOIDED');
    expect(again.status).toBe('REFUNDED');
  });

  it('refuses to capture a voided authorisation', async () => {
    const { provider } = newProvider();
    const held = await authorize(provider, 'o1');
    await provider.refund({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'refund') });

    await expect(
      provider.capture({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'capture') }),
    ).rejects.toBeInstanceOf(PaymentInvalidStateError);
  });

  it('has the effect of one charge and at most one refund however often each step is repeated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('authorize', 'capture', 'refund'), { minLength: 1, maxLength: 12 }),
        async (steps) => {
          const { provider, ledger } = newProvider();
          let transactionId: string | undefined;
          for (const step of steps) {
            if (step === 'authorize') transactionId = (await authorize(provider, 'o1')).transactionId;
            else if (transactionId && step === 'capture') {
              await provider
                .capture({ transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'capture') })
                .catch((error: Error) => {
                  if (!(error instanceof PaymentInvalidStateError)) throw error;
                });
            } else if (transactionId)
              await provider.refund({ transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'refund') });
          }
          expect(ledger.transactions.size).toBe(steps.includes('authorize') ? 1 : 0);
          const [only] = [...ledger.transactions.values()];
          if (only && steps.lastIndexOf('refund') > steps.indexOf('authorize'))
            expect(['REFUNDED', 'VOIDED']).toContain(only.status);
        },
      ),
    );
  });
});
