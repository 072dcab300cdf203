/**
 * Issue 20, bug 1: a ChargePayment that read INVENTORY_RESERVED and is still at the provider while the saga
 * compensates (its task timed out, or an ambiguous error sent the execution to RefundPayment). The race is made
 * deterministic by holding the provider call open while RefundPayment, ReleaseInventory and MarkOrderFailed run, on
 * DynamoDB Local with the real stores and ledger. Whatever the late charge does afterwards, no money stays captured
 * for a FAILED order.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../domain/money';
import { OrderService } from '../orders/order-service';
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentProvider,
  PaymentTransaction,
  RefundRequest,
} from '../payments/payment-provider';
import type { PaymentFence } from '../payments/payment-fence';
import { SimulatedPaymentProvider } from '../payments/simulated-provider';
import { createDynamoStores } from '../store/dynamo-stores';
import type { DynamoStores } from '../store/dynamo-stores';
import { DynamoPaymentFence, DynamoPaymentLedger } from '../store/dynamo-payment-ledger';
import { FakePublisher } from '../test-support/fake-publisher';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { SagaSteps } from './saga-steps';

jest.setTimeout(60000);

let table: LocalTable;
let stores: DynamoStores;
let ledger: DynamoPaymentLedger;
const log = new Logger({ logLevel: 'CRITICAL' });

beforeAll(async () => {
  table = await startLocalTable();
  stores = createDynamoStores(table.documentClient, table.tableName);
  ledger = new DynamoPaymentLedger(table.documentClient, table.tableName);
}, 60000);

afterAll(async () => {
  await table?.stop();
});

type Gate = 'authorize' | 'capture';

/** The simulated provider with one operation held open until `open()`: the late charge's call in flight. */
class HeldProvider implements PaymentProvider {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  readonly reached: Promise<void>;
  private arrived!: () => void;

  constructor(
    private readonly inner: PaymentProvider,
    private readonly held: Gate,
  ) {
    this.reached = new Promise((resolve) => {
      this.arrived = resolve;
    });
  }

  open(): void {
    this.release();
  }

  async authorize(request: AuthorizeRequest): Promise<PaymentTransaction> {
    if (this.held === 'authorize') await this.hold();
    return this.inner.authorize(request);
  }

  async capture(request: CaptureRequest): Promise<PaymentTransaction> {
    if (this.held === 'capture') await this.hold();
    return this.inner.capture(request);
  }

  refund(request: RefundRequest): Promise<PaymentTransaction> {
    return this.inner.refund(request);
  }

  get(transactionId: string): Promise<PaymentTransaction | undefined> {
    return this.inner.get(transactionId);
  }

  private async hold(): Promise<void> {
    this.arrived();
    await this.gate;
  }
}

const stepsWith = (payments: PaymentProvider): SagaSteps =>
  new SagaSteps({
    ...stores,
    payments,
    paymentFence: new DynamoPaymentFence(table.documentClient, table.tableName),
    publisher: new FakePublisher(),
    log,
    newId: ulid,
  });

const reservedOrder = async (): Promise<{ orderId: string; productId: string }> => {
  const productId = `p-${ulid()}`;
  await stores.products.putProduct({
    productId,
    name: productId,
    price: money(500, 'EUR'),
    stock: 5,
    updatedAt: new Date().toISOString(),
  });
  const service = new OrderService({ ...stores, publisher: new FakePublisher(), log, newId: ulid });
  const { order } = await service.createOrder('late-charge', ulid(), {
    items: [{ productId, quantity: 2 }],
    paymentToken: 'tok_visa',
  });
  const steps = stepsWith(new SimulatedPaymentProvider({ ledger }));
  await steps.validate(order.orderId);
  await steps.reserve(order.orderId);
  return { orderId: order.orderId, productId };
};

const timedOut = { Error: 'States.Timeout', Cause: 'ChargePayment timed out' };

const compensateDuringCharge = async (
  held: Gate,
): Promise<{ orderId: string; productId: string; charge: PromiseSettledResult<unknown> }> => {
  const { orderId, productId } = await reservedOrder();
  const provider = new HeldProvider(new SimulatedPaymentProvider({ ledger }), held);
  const compensations = stepsWith(new SimulatedPaymentProvider({ ledger }));

  const late = stepsWith(provider).charge(orderId);
  await provider.reached;
  await compensations.refund(orderId, timedOut);
  await compensations.release(orderId, timedOut);
  await compensations.markFailed(orderId, timedOut);
  provider.open();
  const [charge] = await Promise.allSettled([late]);
  return { orderId, productId, charge };
};

describe('a ChargePayment that arrives after compensation', () => {
  it('held at the authorisation: the order is FAILED, its stock returned, and no payment of it stays captured or held', async () => {
    const { orderId, productId, charge } = await compensateDuringCharge('authorize');

    expect(charge.status).toBe('rejected');
    expect(await stores.orders.getOrder(orderId)).toMatchObject({ status: 'FAILED' });
    expect(await stores.inventory.getStock(productId)).toBe(5);
    // Released on the order item, with exactly what the reserve took.
    expect(await stores.inventory.getReservation(orderId)).toEqual({
      orderId,
      status: 'RELEASED',
      lines: [{ productId, quantity: 2 }],
    });
    const open = (await ledger.paymentsOfOrder(orderId)).filter(
      (payment) => payment.status === 'CAPTURED' || payment.status === 'AUTHORIZED',
    );
    expect(open).toEqual([]);
  });

  it('held at the capture: the hold is voided, the order is FAILED and nothing stays captured', async () => {
    const { orderId, charge } = await compensateDuringCharge('capture');

    expect(charge.status).toBe('rejected');
    expect(await stores.orders.getOrder(orderId)).toMatchObject({ status: 'FAILED' });
    const open = (await ledger.paymentsOfOrder(orderId)).filter(
      (payment) => payment.status === 'CAPTURED' || payment.status === 'AUTHORIZED',
    );
    expect(open).toEqual([]);
  });
});

describe('a ChargePayment whose authorisation the table did not take (issue 15: DynamoDB went down under it)', () => {
  it('leaves no hold: the refund asks the provider again under the charge’s key and voids what it answers', async () => {
    // prepare: the provider authorises, then recording the authorisation fails as an unreachable table does
    const { orderId, productId } = await reservedOrder();
    const fence = new DynamoPaymentFence(table.documentClient, table.tableName);
    const tableDownAfterAuthorise: PaymentFence = {
      beginCharge: (id, at) => fence.beginCharge(id, at),
      recordAuthorization: () =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      requestRefund: (id, at) => fence.requestRefund(id, at),
    };
    const provider = new SimulatedPaymentProvider({ ledger });
    const charging = new SagaSteps({
      ...stores,
      payments: provider,
      paymentFence: tableDownAfterAuthorise,
      publisher: new FakePublisher(),
      log,
      newId: ulid,
    });
    const charge = await charging.charge(orderId).then(
      () => 'captured',
      (error: Error) => error.message,
    );
    // act: the saga's retries of the charge ran out; it compensates once the table is back
    const compensations = stepsWith(provider);
    const refund = await compensations.refund(orderId, timedOut);
    await compensations.release(orderId, timedOut);
    await compensations.markFailed(orderId, timedOut);
    // assess
    const payments = (await ledger.paymentsOfOrder(orderId)).map((payment) => payment.status);
    expect({
      charge,
      refund: refund.outcome,
      status: (await stores.orders.getOrder(orderId))?.status,
      stock: await stores.inventory.getStock(productId),
      payments,
    }).toEqual({
      charge: 'connect ECONNREFUSED',
      refund: 'voided',
      status: 'FAILED',
      stock: 5,
      payments: ['VOIDED'],
    });
  });
});
