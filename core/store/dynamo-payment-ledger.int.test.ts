import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { PaymentDeclinedError, paymentIdempotencyKey } from '../payments/payment-provider';
import { SimulatedPaymentProvider } from '../payments/simulated-provider';
import { DynamoPaymentLedger } from './dynamo-payment-ledger';

let table: LocalTable;
let ledger: DynamoPaymentLedger;
let sequence = 0;
const newTransactionId = (): string => {
  sequence += 1;
  return `pi_${sequence}`;
};
const amount = { amount: 1250, currency: 'EUR' };

beforeAll(async () => {
  table = await startLocalTable();
  ledger = new DynamoPaymentLedger(table.documentClient, table.tableName);
}, 60000);

afterAll(async () => {
  await table?.stop();
});

/** Two providers over one ledger: what the charge and refund functions are. */
const providers = (): [SimulatedPaymentProvider, SimulatedPaymentProvider] => [
  new SimulatedPaymentProvider({ ledger, newTransactionId }),
  new SimulatedPaymentProvider({ ledger, newTransactionId }),
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
});
