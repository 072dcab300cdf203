/**
 * The simulated provider over the ledger that deploys (DynamoDB Local): shared by two provider instances (the charge
 * and refund functions), one conditional single-item write per call counted on the client, and the paths a refused
 * write takes (replay after a lost answer, a misused key, concurrent captures).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientFor, startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import {
  PaymentDeclinedError,
  PaymentIdempotencyMismatchError,
  paymentIdempotencyKey,
} from '../payments/payment-provider';
import { SimulatedPaymentProvider } from '../payments/simulated-provider';
import { DynamoPaymentLedger } from './dynamo-payment-ledger';

let table: LocalTable;
let ledger: DynamoPaymentLedger;
const amount = { amount: 1250, currency: 'EUR' };

beforeAll(async () => {
  table = await startLocalTable();
  ledger = new DynamoPaymentLedger(table.documentClient, table.tableName);
}, 60000);

afterAll(async () => {
  await table?.stop();
});

/**
 * A ledger on its own client that records the DynamoDB operations it sends and, while `loseAnswers` is set, lets
 * each call reach the table and then throws instead of answering (a timeout after the write landed).
 */
const observedLedger = () => {
  const client = clientFor(table.dynamo.endpoint);
  const observed = { operations: [] as string[], loseAnswers: false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      observed.operations.push(String(context.commandName).replace(/Command$/, ''));
      const answer = await next(args);
      if (observed.loseAnswers) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return answer;
    },
    { step: 'initialize', name: 'observeLedgerCalls' },
  );
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { observed, ledger: new DynamoPaymentLedger(documentClient, table.tableName) };
};

const authorizeRequest = (orderId: string) => ({
  orderId,
  amount,
  paymentToken: 'tok_visa',
  idempotencyKey: paymentIdempotencyKey(orderId, 'authorize'),
});

/** Two providers over one ledger: what the charge and refund functions are. */
const providers = (): [SimulatedPaymentProvider, SimulatedPaymentProvider] => [
  new SimulatedPaymentProvider({ ledger }),
  new SimulatedPaymentProvider({ ledger }),
];

describe('DynamoPaymentLedger under the simulated provider', () => {
  it('a capture made by one provider instance is refunded by another, once', async () => {
    const [charge, refund] = providers();
    const held = await charge.authorize({
      orderId: 'o1',
      amount,
      paymentToken: 'tok_visa',
      idempotencyKey: paymentIdempotencyKey('o1', 'authorize'),
    });
    await charge.capture({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o1', 'capture') });

    const first = await refund.refund({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o1', 'refund'),
    });
    const second = await refund.refund({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o1', 'refund'),
    });

    expect([first.status, second.status]).toEqual(['REFUNDED', 'REFUNDED']);
    expect(await ledger.paymentsOfOrder('o1')).toEqual([
      expect.objectContaining({ transactionId: held.transactionId, status: 'REFUNDED', amount }),
    ]);
  });

  it('a replayed authorisation answers the first transaction and creates no second one', async () => {
    const [first, second] = providers();
    const request = {
      orderId: 'o2',
      amount,
      paymentToken: 'tok_visa',
      idempotencyKey: paymentIdempotencyKey('o2', 'authorize'),
    };

    const [a, b] = await Promise.all([first.authorize(request), second.authorize(request)]);

    expect(a.transactionId).toBe(b.transactionId);
    expect(await ledger.paymentsOfOrder('o2')).toHaveLength(1);
  });

  it('a declined card leaves no transaction', async () => {
    expect.assertions(2);
    const [charge] = providers();

    await charge
      .authorize({
        orderId: 'o3',
        amount,
        paymentToken: 'tok_chargeDeclinedInsufficientFunds',
        idempotencyKey: paymentIdempotencyKey('o3', 'authorize'),
      })
      .catch((error: unknown) => {
        expect(error).toEqual(new PaymentDeclinedError('insufficient_funds'));
      });

    expect(await ledger.paymentsOfOrder('o3')).toEqual([]);
  });

  it('authorise, capture and refund cost one single-item conditional write each and no read', async () => {
    const { observed, ledger: counted } = observedLedger();
    const provider = new SimulatedPaymentProvider({ ledger: counted });

    const held = await provider.authorize(authorizeRequest('o4'));
    await provider.capture({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o4', 'capture'),
    });
    const refunded = await provider.refund({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o4', 'refund'),
    });

    expect(observed.operations).toEqual(['PutItem', 'UpdateItem', 'UpdateItem']);
    expect(refunded.status).toBe('REFUNDED');
    expect(await ledger.paymentsOfOrder('o4')).toEqual([refunded]);
  });

  it('a call retried after its answer was lost answers what the first one wrote, and writes nothing more', async () => {
    const { observed, ledger: lossy } = observedLedger();
    const provider = new SimulatedPaymentProvider({ ledger: lossy });
    const captureKey = paymentIdempotencyKey('o5', 'capture');

    observed.loseAnswers = true;
    await expect(provider.authorize(authorizeRequest('o5'))).rejects.toThrow('socket hang up');
    observed.loseAnswers = false;
    const held = await provider.authorize(authorizeRequest('o5'));
    observed.loseAnswers = true;
    await expect(provider.capture({ transactionId: held.transactionId, idempotencyKey: captureKey })).rejects.toThrow(
      'socket hang up',
    );
    observed.loseAnswers = false;
    const captured = await provider.capture({ transactionId: held.transactionId, idempotencyKey: captureKey });

    // Each retry is a refused write that carries the item back: no read, no second effect.
    expect(observed.operations).toEqual(['PutItem', 'PutItem', 'UpdateItem', 'UpdateItem']);
    expect(held.status).toBe('AUTHORIZED');
    expect(captured).toMatchObject({ transactionId: held.transactionId, status: 'CAPTURED' });
    expect(await ledger.paymentsOfOrder('o5')).toEqual([captured]);
  });

  it('a key used again with another request is refused and changes nothing', async () => {
    const [charge, refund] = providers();
    const held = await charge.authorize(authorizeRequest('o6'));
    const captureKey = paymentIdempotencyKey('o6', 'capture');

    const otherAmount = charge.authorize({ ...authorizeRequest('o6'), amount: { amount: 1, currency: 'EUR' } });
    const authorizeKeyForRefund = refund.refund({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey('o6', 'authorize'),
    });
    await charge.capture({ transactionId: held.transactionId, idempotencyKey: captureKey });
    const captureKeyForRefund = refund.refund({ transactionId: held.transactionId, idempotencyKey: captureKey });

    await expect(otherAmount).rejects.toEqual(
      new PaymentIdempotencyMismatchError(paymentIdempotencyKey('o6', 'authorize')),
    );
    await expect(authorizeKeyForRefund).rejects.toBeInstanceOf(PaymentIdempotencyMismatchError);
    await expect(captureKeyForRefund).rejects.toEqual(new PaymentIdempotencyMismatchError(captureKey));
    expect(await ledger.paymentsOfOrder('o6')).toEqual([
      expect.objectContaining({ transactionId: held.transactionId, status: 'CAPTURED', amount }),
    ]);
  });

  it.each([
    ['the same key', 'order-o7-capture', 'order-o7-capture'],
    ['different keys', 'order-o8-capture', 'order-o8-capture-again'],
  ])('two concurrent captures with %s capture once and both answer the capture', async (_, firstKey, secondKey) => {
    const orderId = firstKey.split('-')[1];
    const [charge, refund] = providers();
    const held = await charge.authorize(authorizeRequest(orderId));

    const answers = await Promise.all([
      charge.capture({ transactionId: held.transactionId, idempotencyKey: firstKey }),
      refund.capture({ transactionId: held.transactionId, idempotencyKey: secondKey }),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual(['CAPTURED', 'CAPTURED']);
    const [stored] = await ledger.paymentsOfOrder(orderId);
    expect(stored).toMatchObject({ transactionId: held.transactionId, status: 'CAPTURED' });
    // One capture happened: both answers carry the one moment it was stamped.
    expect(new Set(answers.map((answer) => answer.updatedAt))).toEqual(new Set([stored.updatedAt]));
  });

  it('a refund racing a capture leaves the transaction refunded or voided, never open', async () => {
    const [charge, refund] = providers();
    const held = await charge.authorize(authorizeRequest('o9'));

    await Promise.allSettled([
      charge.capture({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o9', 'capture') }),
      refund.refund({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey('o9', 'refund') }),
    ]);

    expect(['REFUNDED', 'VOIDED']).toContain((await ledger.get(held.transactionId))?.status);
  });
});
