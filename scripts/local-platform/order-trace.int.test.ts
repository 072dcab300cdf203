/**
 * Issue 7 end to end: the local cloud (edge, DynamoDB Local, Cognito, X-Ray collector, every handler, the ASL) and
 * the orders API configured from the cloud's environment; a customer signed in through Cognito places an order and
 * reads its trace through GET /api/orders/:id/trace. One order, from POST to receipt, is one connected trace.
 *
 * The API runs as its own process, as `npm start` runs it (scripts/start.ts) and as it runs on Fargate: in this process
 * the Lambda handlers' Powertools Tracer instruments http and fetch globally, so an API loaded here would see headers
 * and segments that no API process in AWS ever sees.
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ulid } from 'ulid';
import type { TraceSegmentView } from '../../api/routes/traces';
import { startLocalCloud, type RunningLocalCloud } from './cloud';

jest.setTimeout(180_000);

interface OrderTrace {
  readonly orderId: string;
  readonly traceIds: string[];
  readonly segments: TraceSegmentView[];
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const SAGA_STEPS = ['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
const PROCESSORS = ['send-email', 'generate-receipt', 'fan-out-webhooks', 'deliver-webhook'];

let cloud: RunningLocalCloud;
let api: ChildProcess;
let apiUrl = '';
let receiver: Server;
let receiverUrl = '';
const tokens = new Map<string, string>();

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  // The handlers in worker threads, as npm start runs them: their subsegments must still reach the collector and hang
  // under the function segments the cloud's thread emits (in-process tracing: local/xray/lambda-tracing.test.ts).
  cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.001, logger: quiet, handlerThreads: 2 });
  api = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../api/server.ts')], {
    env: { ...process.env, ...cloud.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'INFO' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  apiUrl = await listeningUrl(api);
  const cognito = new CognitoIdentityProviderClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  for (const user of cloud.services.identity.users) {
    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: cloud.env.USER_POOL_CLIENT_ID,
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    tokens.set(user.username, signedIn.AuthenticationResult?.IdToken ?? '');
  }
  cognito.destroy();
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', resolveListen));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  if (api !== undefined && api.exitCode === null) {
    const exited = new Promise((resolveExit) => api.once('exit', resolveExit));
    api.kill('SIGTERM');
    await exited;
  }
  await cloud?.stop();
  await new Promise((resolveClose) => receiver?.close(resolveClose));
});

/** The URL the API logs once listening (its JSON log line `orders API listening`). */
const listeningUrl = (child: ChildProcess): Promise<string> =>
  new Promise((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    child.once('exit', (code) => reject(new Error(`the API exited with ${code} before listening`)));
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { message?: string; url?: string };
        if (entry.message === 'orders API listening' && entry.url !== undefined) resolveUrl(entry.url);
      } catch {
        // not a log line of the API
      }
    });
  });

const call = async (
  method: string,
  path: string,
  user: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.get(user)}`,
      'content-type': 'application/json',
      ...(method === 'POST' ? { 'idempotency-key': ulid() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
};

/** The order's trace once `complete` holds for it (the processors finish after the order's terminal status). */
const traceWhen = async (orderId: string, complete: (trace: OrderTrace) => boolean): Promise<OrderTrace> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status, body } = await call('GET', `/api/orders/${orderId}/trace`, 'alice');
    const trace = body as unknown as OrderTrace;
    if ((status === 200 && complete(trace)) || Date.now() > deadline) return trace;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 200));
  }
};

const named = (trace: OrderTrace, name: string): TraceSegmentView[] =>
  trace.segments.filter((segment) => segment.name === name);
const functionSegment = (trace: OrderTrace, fn: string): TraceSegmentView | undefined =>
  named(trace, cloud.names(fn)).find((segment) => segment.origin === 'AWS::Lambda::Function');

const newProduct = async (stock: number): Promise<string> => {
  const productId = `trace-${ulid()}`.toLowerCase();
  const put = await call('PUT', `/api/products/${productId}`, 'admin', {
    name: 'Traced mug',
    price: 1500,
    currency: 'EUR',
    stock,
  });
  expect(put.status).toBe(200);
  return productId;
};

describe('an order traced end to end on the local cloud', () => {
  it('from POST to receipt is one connected trace covering the API, every saga step and every processor, annotated with the order id', async () => {
    const webhook = await call('POST', '/api/webhooks', 'alice', {
      url: `${receiverUrl}/hook`,
      eventTypes: ['order.confirmed'],
    });
    const productId = await newProduct(5);

    const created = await call('POST', '/api/orders', 'alice', {
      items: [{ productId, quantity: 2 }],
      paymentToken: 'tok_visa',
    });
    const orderId = created.body.orderId as string;
    const trace = await traceWhen(
      orderId,
      (t) =>
        PROCESSORS.every((fn) => functionSegment(t, fn) !== undefined && named(t, `## ${fn}`).length > 0) &&
        named(t, cloud.names('order-saga')).length > 0,
    );

    expect(webhook.status).toBe(201);
    expect(created.status).toBe(201);
    expect(trace.traceIds).toHaveLength(1);
    const ids = new Set(trace.segments.map((segment) => segment.id));
    const roots = trace.segments.filter((segment) => segment.parentId === null || !ids.has(segment.parentId));
    expect(roots).toEqual([
      expect.objectContaining({
        name: 'orders-api',
        operation: 'POST /api/orders',
        httpStatus: 201,
        annotations: { orderId },
      }),
    ]);
    for (const step of SAGA_STEPS) {
      expect(named(trace, step)).toEqual([expect.objectContaining({ kind: 'subsegment', fault: false })]);
      expect(named(trace, `## ${step}`)).toEqual([expect.objectContaining({ annotations: { orderId, step } })]);
    }
    expect(named(trace, cloud.names('order-saga'))).toEqual([
      expect.objectContaining({ origin: 'AWS::StepFunctions::StateMachine', fault: false }),
    ]);
    for (const fn of PROCESSORS)
      expect(named(trace, `## ${fn}`)).toContainEqual(
        expect.objectContaining({ annotations: expect.objectContaining({ orderId }) }),
      );
    expect(
      trace.segments.every(
        (segment) => segment.traceId === trace.traceIds[0] && segment.end !== null && !segment.inProgress,
      ),
    ).toBe(true);
    expect(trace.segments.some((segment) => segment.fault)).toBe(false);
  });

  it('a declined payment shows the faulted ChargePayment and the compensations ReleaseInventory and MarkOrderFailed', async () => {
    const productId = await newProduct(3);

    const created = await call('POST', '/api/orders', 'alice', {
      items: [{ productId, quantity: 1 }],
      paymentToken: 'tok_chargeDeclinedInsufficientFunds',
    });
    const orderId = created.body.orderId as string;
    const trace = await traceWhen(
      orderId,
      (t) => named(t, cloud.names('order-saga')).length > 0 && named(t, '## MarkOrderFailed').length > 0,
    );

    expect(trace.traceIds).toHaveLength(1);
    expect(named(trace, 'ChargePayment')).toEqual([
      expect.objectContaining({ fault: true, cause: expect.objectContaining({ type: 'PaymentDeclinedError' }) }),
    ]);
    expect(functionSegment(trace, 'charge-payment')).toMatchObject({ fault: true });
    expect(named(trace, 'ReleaseInventory')).toEqual([expect.objectContaining({ fault: false })]);
    expect(named(trace, 'MarkOrderFailed')).toEqual([expect.objectContaining({ fault: false })]);
    expect(named(trace, '## MarkOrderFailed')).toEqual([
      expect.objectContaining({ annotations: { orderId, step: 'MarkOrderFailed' } }),
    ]);
    expect(named(trace, 'ConfirmOrder')).toEqual([]);
    const chargeEnd = named(trace, 'ChargePayment')[0]?.end ?? Number.POSITIVE_INFINITY;
    expect(named(trace, 'ReleaseInventory')[0]?.start).toBeGreaterThanOrEqual(chargeEnd);
  });

  it('lets the admin find the faulted trace by its order id annotation, and keeps it from another customer', async () => {
    const productId = await newProduct(1);
    const created = await call('POST', '/api/orders', 'alice', {
      items: [{ productId, quantity: 1 }],
      paymentToken: 'tok_chargeDeclinedInsufficientFunds',
    });
    const orderId = created.body.orderId as string;
    const trace = await traceWhen(orderId, (t) => named(t, '## MarkOrderFailed').length > 0);

    const found = await call('GET', `/api/traces?annotation=orderId:${orderId}&fault=true`, 'admin');
    const stranger = await call('GET', `/api/orders/${orderId}/trace`, 'bob');

    expect(found.body.items).toEqual([expect.objectContaining({ traceId: trace.traceIds[0], fault: true })]);
    expect(stranger.status).toBe(404);
  });
});
