/**
 * The payment idempotency property against the ledger that deploys: DynamoPaymentLedger on DynamoDB Local, not the
 * in-memory fake of core/payments/simulated-provider.test.ts. Any sequence of authorise / capture / refund, each
 * step sent by one of two provider instances (the charge and refund functions) or by both at once, has the effect of
 * one charge and at most one refund: one transaction for the order, in the status a single pass would leave.
 */
import fc from 'fast-check';
import { ulid } from 'ulid';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import {
  PaymentInvalidStateError,
  paymentIdempotencyKey,
  type PaymentTransactionStatus,
} from '../payments/payment-provider';
import { SimulatedPaymentProvider } from '../payments/simulated-provider';
import { DynamoPaymentLedger } from './dynamo-payment-ledger';

jest.setTimeout(180_000);

type Step = 'authorize' | 'capture' | 'refund';
type Sender = 'charge' | 'refund' | 'both';

let table: LocalTable;
let ledger: DynamoPaymentLedger;

beforeAll(async () => {
  table = await startLocalTable();
  ledger = new DynamoPaymentLedger(table.documentClient, table.tableName);
}, 60_000);

afterAll(async () => {
  await table?.stop();
});

/** The status one careful pass over the steps leaves: each step takes effect the first time it can, never again. */
const expectedStatus = (steps: readonly Step[]): PaymentTransactionStatus | undefined => {
  let status: PaymentTransactionStatus | undefined;
  for (const step of steps) {
    if (step === 'authorize' && status === undefined) status = 'AUTHORIZED';
    else if (step === 'capture' && status === 'AUTHORIZED') status = 'CAPTURED';
    else if (step === 'refund' && status === 'AUTHORIZED') status = 'VOIDED';
    else if (step === 'refund' && status === 'CAPTURED') status = 'REFUNDED';
  }
  return status;
};

const amount = { amount: 4990, currency: 'EUR' };

describe('DynamoPaymentLedger: the payment idempotency property on DynamoDB Local', () => {
  it('has the effect of one charge and at most one refund however often, and by whom, each step is repeated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom<Step>('authorize', 'capture', 'refund'),
            fc.constantFrom<Sender>('charge', 'refund', 'both'),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        async (plan) => {
          // A fresh order per run: the table is shared by every run of the property.
          const orderId = `o-${ulid()}`;
          const providers = {
            charge: new SimulatedPaymentProvider({ ledger }),
            refund: new SimulatedPaymentProvider({ ledger }),
          };
          let transactionId: string | undefined;
          const send = async (provider: SimulatedPaymentProvider, step: Step): Promise<void> => {
            if (step === 'authorize') {
              transactionId = (
                await provider.authorize({
                  orderId,
                  amount,
                  paymentToken: 'tok_visa',
                  idempotencyKey: paymentIdempotencyKey(orderId, 'authorize'),
                })
              ).transactionId;
            } else if (transactionId !== undefined && step === 'capture') {
              await provider
                .capture({ transactionId, idempotencyKey: paymentIdempotencyKey(orderId, 'capture') })
                .catch((error: unknown) => {
                  if (!(error instanceof PaymentInvalidStateError)) throw error;
                });
            } else if (transactionId !== undefined) {
              await provider.refund({ transactionId, idempotencyKey: paymentIdempotencyKey(orderId, 'refund') });
            }
          };

          for (const [step, sender] of plan) {
            if (sender === 'both') await Promise.all([send(providers.charge, step), send(providers.refund, step)]);
            else await send(providers[sender], step);
          }

          // Steps before the first authorisation have no transaction to act on, as in the saga.
          const effective = plan
            .map(([step]) => step)
            .slice(
              Math.max(
                0,
                plan.findIndex(([step]) => step === 'authorize'),
              ),
            );
          const want = plan.some(([step]) => step === 'authorize') ? expectedStatus(effective) : undefined;
          const payments = await ledger.paymentsOfOrder(orderId);
          expect(payments).toHaveLength(want === undefined ? 0 : 1);
          if (want !== undefined) {
            expect(payments[0]).toMatchObject({ transactionId, orderId, amount });
            expect((await ledger.get(transactionId as string))?.status).toBe(want);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
