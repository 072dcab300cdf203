/**
 * Issue 20 on the local cloud (the ASL file as is, the real handlers, DynamoDB Local): faults that hit *after* a
 * step's effect, where they hurt. A step whose result is lost (as Step Functions reports it: Lambda.Unknown, a client
 * timeout, States.TaskFailed) must be retried into its completed answer, not compensated; and over a run of orders
 * with those faults, every captured payment belongs to a CONFIRMED order or is refunded.
 */
import type { Order } from '../../core/domain/order';
import type { DynamoPaymentLedger } from '../../core/store/dynamo-payment-ledger';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import type { RunningLocalCloud } from '../../scripts/local-platform/cloud';
import { startSagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import type { SagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';

jest.setTimeout(600000);

/** Orders in the money-invariant run (the issue asks 200; bounded here for a shared 2-core machine). */
const RUN_ORDERS = Number(process.env.SAGA_FAULT_RUN_ORDERS ?? 40);
const WAVE = 10;

let saga: SagaCloud;
let cloud: RunningLocalCloud;
let stores: DynamoStores;
let ledger: DynamoPaymentLedger;

beforeAll(async () => {
  saga = await startSagaCloud('saga-faults');
  ({ cloud, stores, ledger } = saga);
}, 120000);

afterAll(async () => {
  await saga?.stop();
});

afterEach(() => {
  cloud?.services.lambda.clearFaults();
});

const product = (stock: number): Promise<string> => saga.product(stock);
const placeOrder = (productId: string, quantity: number, paymentToken = 'tok_visa'): Promise<string> =>
  saga.placeOrder([{ productId, quantity }], paymentToken);
/** Up to 240 s: the fault run's waves share the machine with the injected retries. */
const settle = (orderId: string): Promise<{ execution: string; order: Order }> => saga.settle(orderId, 240000);

describe('the order saga when a step’s result is lost after its effect', () => {
  it.each(['Lambda.Unknown', 'Lambda.ClientExecutionTimeoutException', 'States.TaskFailed'])(
    'ChargePayment captured but its result was lost as %s: retried into its answer, the order CONFIRMED, one capture, not refunded',
    async (errorType) => {
      const productId = await product(5);
      cloud.services.lambda.injectFault(cloud.names('charge-payment'), { failAfterNext: 1, errorType });

      const orderId = await placeOrder(productId, 2);
      const { execution, order } = await settle(orderId);

      expect(execution).toBe('SUCCEEDED');
      expect(order.status).toBe('CONFIRMED');
      expect(await ledger.paymentsOfOrder(orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED' })]);
      expect(await stores.inventory.getStock(productId)).toBe(3);
    },
  );

  it('ReserveInventory and ConfirmOrder lose their results too: the order is CONFIRMED with the stock taken once', async () => {
    const productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('reserve-inventory'), {
      failAfterNext: 1,
      errorType: 'Lambda.Unknown',
    });
    cloud.services.lambda.injectFault(cloud.names('confirm-order'), { failAfterNext: 1, errorType: 'Lambda.Unknown' });

    const orderId = await placeOrder(productId, 1);
    const { order } = await settle(orderId);

    expect(order.status).toBe('CONFIRMED');
    expect(await stores.inventory.getStock(productId)).toBe(4);
    // The retried reserve found its transaction made (status change and reservation together): nothing written again.
    expect(order.timeline.filter((entry) => entry.status === 'INVENTORY_RESERVED')).toHaveLength(1);
    expect(await stores.inventory.getReservation(orderId)).toEqual({
      orderId,
      status: 'RESERVED',
      lines: [{ productId, quantity: 1 }],
    });
  });
});

describe('a parked order', () => {
  it('names on its timeline the compensation that failed, its error, and what was already undone', async () => {
    const productId = await product(5);
    cloud.services.lambda.injectFault(cloud.names('confirm-order'), { probability: 1 });
    cloud.services.lambda.injectFault(cloud.names('release-inventory'), { probability: 1 });

    const orderId = await placeOrder(productId, 1);
    const { execution, order } = await settle(orderId);

    expect(execution).toBe('FAILED');
    expect(order.status).toBe('NEEDS_ATTENTION');
    expect(order.timeline.at(-1)).toMatchObject({ step: 'ParkOrder', outcome: 'parked' });
    expect(order.timeline.at(-1)?.note).toMatch(
      /^compensation failed in ReleaseInventory, InjectedFaultError: .*; already undone: payment refunded, stock not released$/,
    );
  });
});

describe('the money invariant over a run with faults after effects', () => {
  it(`${RUN_ORDERS} orders (some declined, some beyond the stock) with lost results and failing steps: every capture belongs to a CONFIRMED order or is refunded, stock is conserved`, async () => {
    const stock = Math.floor(RUN_ORDERS * 0.6);
    const productId = await product(stock);
    const lambda = cloud.services.lambda;
    lambda.injectFault(cloud.names('charge-payment'), {
      failAfterNext: Math.ceil(RUN_ORDERS / 5),
      errorType: 'Lambda.Unknown',
    });
    lambda.injectFault(cloud.names('reserve-inventory'), {
      failAfterNext: Math.ceil(RUN_ORDERS / 10),
      errorType: 'States.TaskFailed',
    });
    lambda.injectFault(cloud.names('refund-payment'), {
      failAfterNext: Math.ceil(RUN_ORDERS / 10),
      errorType: 'Lambda.Unknown',
    });
    lambda.injectFault(cloud.names('confirm-order'), { probability: 0.1 });
    const tokens = Array.from({ length: RUN_ORDERS }, (_, index) =>
      index % 7 === 3 ? 'tok_chargeDeclined' : 'tok_visa',
    );

    // Waves of WAVE concurrent orders: on 2 shared cores, more at once push steps past their real 10 s function
    // timeout, and the emulation's timeScale shrinks the in-progress retry (6 s, 12 s) below that real window.
    const settled: { execution: string; order: Order }[] = [];
    for (let start = 0; start < tokens.length; start += WAVE) {
      const orderIds = await Promise.all(
        tokens.slice(start, start + WAVE).map((token) => placeOrder(productId, 1, token)),
      );
      settled.push(...(await Promise.all(orderIds.map(settle))));
    }

    const byStatus: Record<string, number> = {};
    for (const { order } of settled)
      byStatus[`${order.status}${order.failureReason ? `/${order.failureReason}` : ''}`] =
        (byStatus[`${order.status}${order.failureReason ? `/${order.failureReason}` : ''}`] ?? 0) + 1;
    process.stdout.write(`money invariant run: ${JSON.stringify(byStatus)}\n`);
    const strays: string[] = [];
    let capturedCount = 0;
    for (const { order } of settled) {
      for (const payment of await ledger.paymentsOfOrder(order.orderId)) {
        if (payment.status === 'CAPTURED') capturedCount += 1;
        if ((payment.status === 'CAPTURED' && order.status !== 'CONFIRMED') || payment.status === 'AUTHORIZED')
          strays.push(`${order.orderId} ${order.status} ${payment.status}`);
      }
    }
    const confirmed = settled.filter(({ order }) => order.status === 'CONFIRMED').length;
    expect(strays).toEqual([]);
    expect(capturedCount).toBe(confirmed);
    // A parked order (NEEDS_ATTENTION) is an operator's, and may still hold its one unit; nothing else is left open.
    expect(
      settled
        .filter(({ order }) => !['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'].includes(order.status))
        .map(({ order }) => `${order.orderId} ${order.status}`),
    ).toEqual([]);
    const parked = settled.filter(({ order }) => order.status === 'NEEDS_ATTENTION').length;
    const left = (await stores.inventory.getStock(productId)) as number;
    expect(left).toBeLessThanOrEqual(stock - confirmed);
    expect(left).toBeGreaterThanOrEqual(stock - confirmed - parked);
    // Exactly: what left the product is held by the confirmed orders and the parked ones whose reservation stands; and
    // the reservation and INVENTORY_RESERVED are one write, so stock was taken exactly by the orders that entered it.
    let heldByParked = 0;
    const torn: string[] = [];
    for (const { order } of settled) {
      const reservation = await stores.inventory.getReservation(order.orderId);
      if (order.status === 'NEEDS_ATTENTION' && reservation?.status === 'RESERVED') heldByParked += 1;
      const tookStock = (reservation?.lines.length ?? 0) > 0;
      if (tookStock !== order.timeline.some((entry) => entry.status === 'INVENTORY_RESERVED'))
        torn.push(`${order.orderId} ${order.status} took stock: ${tookStock}`);
    }
    expect(torn).toEqual([]);
    expect(left).toBe(stock - confirmed - heldByParked);
  });
});
