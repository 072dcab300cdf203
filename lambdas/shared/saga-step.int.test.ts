/**
 * Issue 20, bug 2: a step whose Powertools idempotency write fails. The handlers run as built (sagaStep, the real
 * persistence layer, DynamoDB Local) with their DynamoDB traffic through a small proxy that fails the idempotency
 * record's success update or delete on the wire, as a network fault or a throttled table would. Issue 18: only the
 * steps that call the payment provider keep a Powertools record; the proxy also shows the others write none.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../../core/domain/money';
import { OrderService } from '../../core/orders/order-service';
import { SimulatedPaymentProvider } from '../../core/payments/simulated-provider';
import { SagaSteps } from '../../core/saga/saga-steps';
import { DynamoPaymentFence, DynamoPaymentLedger } from '../../core/store/dynamo-payment-ledger';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { FakePublisher } from '../../core/test-support/fake-publisher';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { handler as chargePayment } from '../saga/charge-payment';
import { handler as confirmOrder } from '../saga/confirm-order';
import type { LambdaContext } from './lambda-context';

jest.setTimeout(60000);

/** Which idempotency-record writes the proxy fails: the success update, or the delete after an error. */
type WireFault = 'none' | 'save-success' | 'delete';

let table: LocalTable;
let stores: DynamoStores;
let proxy: Server;
let fault: WireFault = 'none';
/** The X-Amz-Target of every call that touched the idempotency records' partition. */
const idempotencyCalls: string[] = [];
const saved: Record<string, string | undefined> = {};
const log = new Logger({ logLevel: 'CRITICAL' });

const failing = (target: string, body: string): boolean => {
  if (!body.includes('IDEMPOTENCY#FUNCTIONS')) return false;
  if (fault === 'save-success') return target.endsWith('.UpdateItem') && body.includes('COMPLETED');
  if (fault === 'delete') return target.endsWith('.DeleteItem');
  return false;
};

beforeAll(async () => {
  table = await startLocalTable();
  stores = createDynamoStores(table.documentClient, table.tableName);
  const upstream = new URL(table.dynamo.endpoint);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.toString('utf8').includes('IDEMPOTENCY#FUNCTIONS'))
        idempotencyCalls.push(String(req.headers['x-amz-target'] ?? ''));
      if (failing(String(req.headers['x-amz-target'] ?? ''), body.toString('utf8'))) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
            message: 'injected by the test proxy',
          }),
        );
        return;
      }
      const forward = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  for (const name of [
    'TABLE_NAME',
    'EVENT_BUS_NAME',
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_EVENTBRIDGE',
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'POWERTOOLS_LOG_LEVEL',
  ])
    saved[name] = process.env[name];
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: 'orders-test',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    // Nothing listens there: publishing fails fast and the event stays in the outbox, which this test does not look at.
    AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
}, 60000);

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await new Promise((resolve) => proxy?.close(resolve));
  await table?.stop();
});

afterEach(() => {
  fault = 'none';
  idempotencyCalls.length = 0;
});

const context = (functionName: string): LambdaContext => {
  const deadline = Date.now() + 10000;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: ulid(),
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
};

/** An order moved on by the step logic itself up to `until` (no Powertools records are written for these). */
const orderAt = async (until: 'INVENTORY_RESERVED' | 'PAYMENT_CAPTURED', paymentToken: string): Promise<string> => {
  const productId = `p-${ulid()}`;
  await stores.products.putProduct({
    productId,
    name: productId,
    price: money(500, 'EUR'),
    stock: 5,
    updatedAt: new Date().toISOString(),
  });
  const { order } = await new OrderService({ ...stores, publisher: new FakePublisher(), log, newId: ulid }).createOrder(
    'saga-step',
    ulid(),
    { items: [{ productId, quantity: 1 }], paymentToken },
  );
  const ledger = new DynamoPaymentLedger(table.documentClient, table.tableName);
  const steps = new SagaSteps({
    ...stores,
    payments: new SimulatedPaymentProvider({ ledger }),
    paymentFence: new DynamoPaymentFence(table.documentClient, table.tableName),
    publisher: new FakePublisher(),
    log,
    newId: ulid,
  });
  await steps.validate(order.orderId);
  await steps.reserve(order.orderId);
  if (until === 'PAYMENT_CAPTURED') await steps.charge(order.orderId);
  return order.orderId;
};

const input = (orderId: string, step: string) => ({
  orderId,
  step,
  executionId: `arn:aws:states:us-east-1:000000000000:execution:order-saga:${orderId}`,
});

describe('a saga step whose idempotency write fails', () => {
  it('answers the effect it made when only the success record could not be saved (the payment is captured, the step is not failed)', async () => {
    const orderId = await orderAt('INVENTORY_RESERVED', 'tok_visa');
    fault = 'save-success';

    const result = await chargePayment(input(orderId, 'ChargePayment'), context('charge-payment'));

    expect(result).toMatchObject({ orderId, step: 'ChargePayment', outcome: 'captured', status: 'PAYMENT_CAPTURED' });
    expect(await stores.orders.getOrder(orderId)).toMatchObject({ status: 'PAYMENT_CAPTURED' });
  });

  it('a repeat that meets the record still in progress throws StepInProgressError, which the ASL retries past the in-progress window', async () => {
    const orderId = await orderAt('INVENTORY_RESERVED', 'tok_visa');
    fault = 'save-success';
    await chargePayment(input(orderId, 'ChargePayment'), context('charge-payment')).catch(() => undefined);
    fault = 'none';

    const repeat = await chargePayment(input(orderId, 'ChargePayment'), context('charge-payment')).catch(
      (error: unknown) => error,
    );

    expect(repeat).toMatchObject({ name: 'StepInProgressError' });
  });

  it('keeps a business error when the record could not be deleted: a declined card stays PaymentDeclinedError', async () => {
    const orderId = await orderAt('INVENTORY_RESERVED', 'tok_chargeDeclined');
    fault = 'delete';

    const failure = await chargePayment(input(orderId, 'ChargePayment'), context('charge-payment')).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ name: 'PaymentDeclinedError' });
  });
});

describe('a step guarded by its conditional writes', () => {
  it('writes no idempotency record, and its repeat answers already-done from the order itself', async () => {
    const orderId = await orderAt('PAYMENT_CAPTURED', 'tok_visa');

    const first = await confirmOrder(input(orderId, 'ConfirmOrder'), context('confirm-order'));
    const repeat = await confirmOrder(input(orderId, 'ConfirmOrder'), context('confirm-order'));

    expect([first.outcome, repeat.outcome]).toEqual(['confirmed', 'already-done']);
    expect(idempotencyCalls).toEqual([]);
    expect((await stores.orders.getOrder(orderId))?.timeline.filter((entry) => entry.step === 'ConfirmOrder')).toEqual([
      expect.objectContaining({ outcome: 'confirmed' }),
    ]);
  });
});
