import fc from 'fast-check';
import {
  PaymentDeclinedError,
  PaymentIdempotencyMismatchError,
  PaymentInvalidStateError,
  paymentIdempotencyKey,
  type PaymentTransaction,
} from './payment-provider';
import {
  MOVES_MADE,
  PAYMENT_MOVES,
  SimulatedPaymentProvider,
  authorizationIdOf,
  statusOf,
  type AppliedKey,
  type LedgerEntry,
  type LedgerWrite,
  type PaymentLedger,
  type PaymentMove,
} from './simulated-provider';

/** A fake of our own port: the same contract the DynamoDB ledger keeps (one conditional write per call), in a map. */
class MapLedger implements PaymentLedger {
  readonly entries = new Map<string, LedgerEntry>();
  writes = 0;
  reads = 0;

  get transactions(): Map<string, PaymentTransaction> {
    return new Map([...this.entries].map(([id, entry]) => [id, entry.transaction]));
  }
  async read(id: string) {
    this.reads += 1;
    return this.entries.get(id);
  }
  async create(transaction: PaymentTransaction, key: AppliedKey): Promise<LedgerWrite> {
    this.writes += 1;
    const found = this.entries.get(transaction.transactionId);
    if (found) return { written: false, found };
    const entry = { transaction, appliedKeys: { [key.idempotencyKey]: key.fingerprint } };
    this.entries.set(transaction.transactionId, entry);
    return { written: true, entry };
  }
  async move(id: string, move: PaymentMove, at: string, key: AppliedKey): Promise<LedgerWrite> {
    this.writes += 1;
    const found = this.entries.get(id);
    if (!found || key.idempotencyKey in found.appliedKeys) return { written: false, found };
    if (!PAYMENT_MOVES[move].from.includes(found.transaction.status)) return { written: false, found };
    const status = statusOf(new Set([...MOVES_MADE[found.transaction.status], move]));
    const entry = {
      transaction: { ...found.transaction, status, updatedAt: at },
      appliedKeys: { ...found.appliedKeys, [key.idempotencyKey]: key.fingerprint },
    };
    this.entries.set(id, entry);
    return { written: true, entry };
  }
}

const newProvider = () => {
  const ledger = new MapLedger();
  const provider = new SimulatedPaymentProvider({ ledger });
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

  it('costs one write and no read per call on the happy path', async () => {
    const { provider, ledger } = newProvider();

    const held = await authorize(provider, 'o1');
    await provider.capture({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o1', 'capture'),
    });
    await provider.refund({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'refund') });

    expect({ writes: ledger.writes, reads: ledger.reads }).toEqual({ writes: 3, reads: 0 });
  });

  it('names the authorisation after its idempotency key', () => {
    expect(authorizationIdOf('order-a-authorize')).toBe(authorizationIdOf('order-a-authorize'));
    expect(authorizationIdOf('order-a-authorize')).not.toBe(authorizationIdOf('order-b-authorize'));
    expect(authorizationIdOf('order-a-authorize')).toMatch(/^pi_[0-9a-f]{32}$/);
  });

  it('refuses a key used for an approved card when it comes back with a declined one, before looking at the card', async () => {
    const { provider } = newProvider();
    await authorize(provider, 'o1');

    await expect(authorize(provider, 'o1', 'tok_chargeDeclined')).rejects.toBeInstanceOf(
      PaymentIdempotencyMismatchError,
    );
  });

  it('refuses a capture or refund under the key that made the authorisation', async () => {
    const { provider } = newProvider();
    const held = await authorize(provider, 'o1');
    const key = paymentIdempotencyKey('o1', 'authorize');

    await expect(provider.capture({ transactionId: held.transactionId, idempotencyKey: key })).rejects.toBeInstanceOf(
      PaymentIdempotencyMismatchError,
    );
    await expect(provider.refund({ transactionId: held.transactionId, idempotencyKey: key })).rejects.toBeInstanceOf(
      PaymentIdempotencyMismatchError,
    );
    expect((await provider.get(held.transactionId))?.status).toBe('AUTHORIZED');
  });

  it.each([
    ['capture', 'AUTHORIZED', 'CAPTURED'],
    ['return', 'AUTHORIZED', 'VOIDED'],
    ['return', 'CAPTURED', 'REFUNDED'],
  ] as const)('the state table: %s from %s leads to %s, and a status is the moves it made', (move, from, to) => {
    expect(PAYMENT_MOVES[move].from).toContain(from);
    expect(statusOf(new Set([...MOVES_MADE[from], move]))).toBe(to);
    expect(statusOf(new Set(MOVES_MADE[to]))).toBe(to);
  });
});
