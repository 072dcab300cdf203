import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import Router from '@koa/router';
import Koa from 'koa';
import { connect, type AddressInfo } from 'node:net';
import { startDaemonCollector, type RunningDaemonCollector } from '@order-platform/local-cloud/xray';
import { TraceStore } from '@order-platform/local-cloud/xray';
import type { AppState } from '../types';
import { configureSampling, traceAwsClients, tracing } from './tracing';

const ORDER = '01J00000000000000000000000';

describe('tracing middleware', () => {
  let collector: RunningDaemonCollector;
  let store: TraceStore;
  let server: ReturnType<Koa['listen']>;
  let url: string;
  const sentEntries: unknown[] = [];

  beforeAll(async () => {
    store = new TraceStore();
    collector = await startDaemonCollector(store);
    const AWSXRay = (await import('aws-xray-sdk-core')).default;
    AWSXRay.setDaemonAddress(collector.address);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    const events = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    traceAwsClients(events);
    // Answers PutEvents without a network, after every other middleware has run.
    events.middlewareStack.add(
      () => async (args: { input: unknown; request?: unknown }) => {
        sentEntries.push((args.input as { Entries?: unknown[] }).Entries);
        return { output: { FailedEntryCount: 0, Entries: [{ EventId: '1' }], $metadata: {} }, response: {} };
      },
      { step: 'finalizeRequest', name: 'answerLocally', priority: 'low' },
    );
    const router = new Router<AppState>();
    router.post('/api/orders', async (ctx) => {
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'orders.platform', DetailType: 'order.created', Detail: '{}' }] }),
      );
      ctx.status = 201;
      ctx.body = { orderId: ORDER };
    });
    router.get('/api/orders/:id', (ctx) => {
      ctx.throw(404, 'no such order');
    });
    const app = new Koa<AppState>();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = (error as { status?: number }).status ?? 500;
      }
    });
    app.use(tracing('orders-api'));
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await collector.close();
  });

  /**
   * A request over a bare socket, for the tests about the incoming trace header: in a jest worker that earlier ran
   * Lambda handlers, Powertools' Tracer has instrumented fetch and http for the whole process and may rewrite the
   * X-Amzn-Trace-Id header a test sends. A client in another process, as in production, never does.
   */
  const rawRequest = (
    method: string,
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: Headers }> =>
    new Promise((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('end', () => {
        const [head = ''] = received.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const parsed = new Headers();
        for (const line of lines)
          parsed.append(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim());
        resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed });
      });
      const extra = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.end(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);
    });

  const traceOf = async (response: { headers: Headers }): Promise<Record<string, unknown>> => {
    const traceId = /Root=([^;]+)/.exec(response.headers.get('x-amzn-trace-id') ?? '')?.[1] ?? '';
    for (let i = 0; i < 100 && !store.has(traceId); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    return JSON.parse(store.getTrace(traceId)?.Segments[0]?.Document ?? '{}') as Record<string, unknown>;
  };

  it('sends one segment per request, annotated with the order id, with the PutEvents call as a subsegment', async () => {
    const response = await fetch(`${url}/api/orders`, { method: 'POST' });

    const segment = await traceOf(response);

    expect(segment).toMatchObject({
      name: 'orders-api',
      annotations: { orderId: ORDER },
      http: { request: { method: 'POST' }, response: { status: 201 } },
    });
    expect(segment.subsegments).toEqual([
      expect.objectContaining({ name: 'EventBridge', aws: expect.objectContaining({ operation: 'PutEvents' }) }),
    ]);
  });

  it('puts the trace header into every PutEvents entry so the trace continues through EventBridge', async () => {
    const response = await fetch(`${url}/api/orders`, { method: 'POST' });

    const segment = await traceOf(response);

    expect(sentEntries.at(-1)).toEqual([
      expect.objectContaining({
        TraceHeader: `Root=${String(segment.trace_id)};Parent=${String(segment.id)};Sampled=1`,
      }),
    ]);
  });

  it('continues an incoming trace header and flags a 4xx as an error', async () => {
    const response = await rawRequest('GET', `/api/orders/${ORDER}`, {
      'X-Amzn-Trace-Id': 'Root=1-65f00000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
    });

    const segment = await traceOf(response);

    expect(response.status).toBe(404);
    expect(segment).toMatchObject({
      trace_id: '1-65f00000-0123456789abcdef01234567',
      parent_id: '53995c3f42cd8ad8',
      error: true,
    });
    expect(segment.fault).toBeUndefined();
  });

  it('does not annotate a read of an order, so the order id finds only the path of the order itself', async () => {
    const response = await fetch(`${url}/api/orders/${ORDER}`);

    const segment = await traceOf(response);

    expect(segment).toMatchObject({ name: 'orders-api', http: { request: { method: 'GET' } } });
    expect(segment.annotations).toBeUndefined();
  });

  it('does not write the access_token of the query string into the segment', async () => {
    const response = await fetch(`${url}/api/orders/${ORDER}?access_token=eyJ.secret-token.sig&after=1`);

    const segment = await traceOf(response);

    const requestUrl = (segment as { http?: { request?: { url?: string } } }).http?.request?.url ?? '';
    expect(requestUrl).toMatch(new RegExp(`/api/orders/${ORDER}\\?`));
    expect(requestUrl).toContain('access_token=REDACTED');
    expect(requestUrl).toContain('after=1');
    expect(requestUrl).not.toContain('secret-token');
  });

  it('starts a new trace, without a parent, when the incoming header has no valid Root', async () => {
    const response = await rawRequest('POST', '/api/orders', {
      'X-Amzn-Trace-Id': 'Root=undefined;Parent=53995c3f42cd8ad8;Sampled=1',
      'Content-Length': '0',
    });

    const segment = await traceOf(response);

    expect(segment.trace_id).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(segment.parent_id).toBeUndefined();
  });

  it('keeps concurrent requests in separate X-Ray contexts: each PutEvents entry names the segment of its own request', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${url}/api/orders`, { method: 'POST' })),
    );

    const segments = await Promise.all(responses.map(traceOf));

    const headers = sentEntries.slice(-8).map((entries) => (entries as { TraceHeader: string }[])[0]?.TraceHeader);
    expect(new Set(headers)).toEqual(
      new Set(segments.map((segment) => `Root=${String(segment.trace_id)};Parent=${String(segment.id)};Sampled=1`)),
    );
  });
});

describe('tracing middleware with sampling rules', () => {
  let collector: RunningDaemonCollector;
  let store: TraceStore;
  const servers: ReturnType<Koa['listen']>[] = [];
  const sentEntries: { TraceHeader?: string }[][] = [];
  const sentHeaders: (string | undefined)[] = [];
  let AWSXRay: typeof import('aws-xray-sdk-core');

  const appWith = async (sampling: 'local' | 'off'): Promise<string> => {
    const events = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    traceAwsClients(events);
    events.middlewareStack.add(
      () => async (args: { input: unknown; request?: unknown }) => {
        sentEntries.push((args.input as { Entries: { TraceHeader?: string }[] }).Entries);
        sentHeaders.push(
          (args.request as { headers?: Record<string, string> } | undefined)?.headers?.['X-Amzn-Trace-Id'],
        );
        return { output: { FailedEntryCount: 0, Entries: [{ EventId: '1' }], $metadata: {} }, response: {} };
      },
      { step: 'finalizeRequest', name: 'answerLocally', priority: 'low' },
    );
    const router = new Router<AppState>();
    router.all('/api/orders', async (ctx) => {
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'orders.platform', DetailType: 'order.created', Detail: '{}' }] }),
      );
      ctx.status = 201;
      ctx.body = { orderId: ORDER };
    });
    const app = new Koa<AppState>();
    app.use(tracing('orders-api', sampling));
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    store = new TraceStore();
    collector = await startDaemonCollector(store);
    AWSXRay = (await import('aws-xray-sdk-core')).default;
    AWSXRay.setDaemonAddress(collector.address);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    configureSampling('local');
    AWSXRay.middleware.setSamplingRules({
      version: 2,
      rules: [
        {
          description: 'orders are traced',
          host: '*',
          http_method: 'POST',
          url_path: '/api/orders',
          fixed_target: 0,
          rate: 1,
        },
      ],
      default: { fixed_target: 0, rate: 0 },
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await collector.close();
  });

  const rootOf = (response: Response): string =>
    /Root=([^;]+)/.exec(response.headers.get('x-amzn-trace-id') ?? '')?.[1] ?? '';

  it('traces a request a rule samples: its segment reaches the daemon and its PutEvents carries the trace', async () => {
    const url = await appWith('local');

    const response = await fetch(`${url}/api/orders`, { method: 'POST' });
    const root = rootOf(response);
    for (let i = 0; i < 100 && !store.has(root); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));

    expect(store.has(root)).toBe(true);
    expect(sentEntries.at(-1)?.[0]?.TraceHeader).toMatch(new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=1$`));
  });

  it('records nothing for a request no rule samples, and tells what it starts downstream not to sample either', async () => {
    const url = await appWith('local');

    const response = await fetch(`${url}/api/orders`, { method: 'PUT' });
    const root = rootOf(response);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(response.headers.get('x-amzn-trace-id')).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/);
    expect(store.has(root)).toBe(false);
    expect(sentEntries.at(-1)?.[0]?.TraceHeader).toBe(`Root=${root};Sampled=0`);
    expect(sentHeaders.at(-1)).toBe(`Root=${root};Sampled=0`);
  });

  it('with tracing off, adds no header and no trace to anything', async () => {
    const url = await appWith('off');

    const response = await fetch(`${url}/api/orders`, { method: 'POST' });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-amzn-trace-id')).toBeNull();
  });
});
