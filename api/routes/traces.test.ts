import { XRayClient } from '@aws-sdk/client-xray';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { startEdge, type RunningEdge } from '@order-platform/local-cloud/edge';
import { TraceStore } from '@order-platform/local-cloud/xray';
import { LocalXRay } from '@order-platform/local-cloud/xray';
import { answerOf } from '../middleware/error-handler';
import type { AppState } from '../types';
import { ROUTE_DOCS } from '.';
import { buildOpenApiDocument } from './openapi';
import { tracesFilter, tracesRouter } from './traces';

const ORDER = '01J00000000000000000000000';
const TRACE = '1-65f00000-0123456789abcdef01234567';
/** Two customers' orders in one trace: an SQS batch of send-email continued the trace of the first message (A's). */
const ORDER_A = '01J0000000000000000000000A';
const ORDER_B = '01J0000000000000000000000B';
const SHARED = '1-65f00000-fedcba9876543210fedcba98';
const now = new Date('2026-01-01T00:00:10Z');
const at = now.getTime() / 1000 - 5;

describe('trace routes', () => {
  let edge: RunningEdge;
  let server: ReturnType<Koa['listen']>;
  let url: string;
  let xray: XRayClient;

  beforeAll(async () => {
    const store = new TraceStore();
    store.add([
      {
        name: 'orders-api',
        id: 'aaaaaaaaaaaaaaaa',
        trace_id: TRACE,
        start_time: at,
        end_time: at + 0.2,
        annotations: { orderId: ORDER },
        http: { request: { method: 'POST', url: 'http://h/api/orders' }, response: { status: 201 } },
      },
      {
        name: 'local-charge-payment',
        id: 'bbbbbbbbbbbbbbbb',
        parent_id: 'aaaaaaaaaaaaaaaa',
        trace_id: TRACE,
        start_time: at + 0.3,
        end_time: at + 0.4,
        origin: 'AWS::Lambda::Function',
        fault: true,
        cause: { exceptions: [{ type: 'PaymentDeclinedError', message: 'declined' }] },
      },
    ]);
    const row = (id: string, name: string, start: number, extra: Record<string, unknown> = {}) => ({
      name,
      id,
      trace_id: SHARED,
      start_time: at + start,
      end_time: at + start + 0.05,
      ...extra,
    });
    store.add([
      row('a000000000000001', 'orders-api', 0, {
        annotations: { orderId: ORDER_A },
        http: { request: { method: 'POST', url: 'http://h/api/orders' }, response: { status: 201 } },
        subsegments: [row('a000000000000002', 'EventBridge', 0.01, { aws: { operation: 'PutEvents' } })],
      }),
      row('f000000000000001', 'local-send-email', 0.2, {
        parent_id: 'a000000000000002',
        origin: 'AWS::Lambda::Function',
        subsegments: [
          row('f000000000000002', 'Overhead', 0.21),
          row('a000000000000003', '## send-email', 0.22, {
            annotations: { orderId: ORDER_A },
            subsegments: [row('a000000000000004', 'SESv2', 0.23, { aws: { operation: 'SendEmail' } })],
          }),
          row('b000000000000003', '## send-email', 0.3, {
            annotations: { orderId: ORDER_B },
            subsegments: [row('b000000000000004', 'SESv2', 0.31, { aws: { operation: 'SendEmail' } })],
          }),
        ],
      }),
    ]);
    edge = await startEdge({ services: [new LocalXRay(store)] });
    xray = new XRayClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const router = tracesRouter({
      xray,
      now: () => now,
      store: {
        getOrder: async (id: string) => {
          const customerId = { [ORDER]: 'alice', [ORDER_A]: 'alice', [ORDER_B]: 'bob' }[id];
          return customerId === undefined ? undefined : { customerId, createdAt: new Date(at * 1000).toISOString() };
        },
      },
    });
    const app = new Koa<AppState>();
    app.silent = true;
    app.use(async (ctx, next) => {
      const who = ctx.get('x-test-caller');
      if (who) ctx.state.caller = { customerId: who, isAdmin: who === 'admin' } as AppState['caller'];
      try {
        await next();
      } catch (error) {
        ctx.status = answerOf(error)?.status ?? 500;
        ctx.body = { code: (error as { code?: string }).code };
      }
    });
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    xray.destroy();
    await edge.close();
  });

  it('gives the owner the order trace as flat waterfall rows with the faulted step', async () => {
    const response = await fetch(`${url}/api/orders/${ORDER}/trace`, { headers: { 'x-test-caller': 'alice' } });
    const body = (await response.json()) as { traceIds: string[]; segments: Record<string, unknown>[] };

    expect(response.status).toBe(200);
    expect(body.traceIds).toEqual([TRACE]);
    expect(body.segments).toEqual([
      expect.objectContaining({
        id: 'aaaaaaaaaaaaaaaa',
        parentId: null,
        name: 'orders-api',
        operation: 'POST /api/orders',
        httpStatus: 201,
        fault: false,
        durationMs: 200,
      }),
      expect.objectContaining({
        id: 'bbbbbbbbbbbbbbbb',
        parentId: 'aaaaaaaaaaaaaaaa',
        origin: 'AWS::Lambda::Function',
        fault: true,
        cause: { type: 'PaymentDeclinedError', message: 'declined' },
      }),
    ]);
  });

  it("gives an order in a trace shared with another customer's order only its own segments, under the shared invocation", async () => {
    const response = await fetch(`${url}/api/orders/${ORDER_B}/trace`, { headers: { 'x-test-caller': 'bob' } });
    const body = (await response.json()) as { traceIds: string[]; segments: { id: string; parentId: string | null }[] };

    expect(response.status).toBe(200);
    expect(body.traceIds).toEqual([SHARED]);
    expect(body.segments.map(({ id, parentId }) => ({ id, parentId }))).toEqual([
      // The batch's function segment hung from A's PutEvents: that parent is not B's to see.
      { id: 'f000000000000001', parentId: null },
      { id: 'f000000000000002', parentId: 'f000000000000001' },
      { id: 'b000000000000003', parentId: 'f000000000000001' },
      { id: 'b000000000000004', parentId: 'b000000000000003' },
    ]);
  });

  it('gives the first order of a shared trace its request and its part of the batch, not the other order', async () => {
    const response = await fetch(`${url}/api/orders/${ORDER_A}/trace`, { headers: { 'x-test-caller': 'alice' } });
    const body = (await response.json()) as { segments: { id: string }[] };

    expect(body.segments.map(({ id }) => id)).toEqual([
      'a000000000000001',
      'a000000000000002',
      'f000000000000001',
      'f000000000000002',
      'a000000000000003',
      'a000000000000004',
    ]);
  });

  it('answers another customer 404, as if the order did not exist', async () => {
    const response = await fetch(`${url}/api/orders/${ORDER}/trace`, { headers: { 'x-test-caller': 'mallory' } });

    expect(response.status).toBe(404);
  });

  it('lets the admin filter traces by annotation and fault', async () => {
    const found = await fetch(`${url}/api/traces?annotation=orderId:${ORDER}&fault=true&since=2025-12-31T23:00:00Z`, {
      headers: { 'x-test-caller': 'admin' },
    });
    const none = await fetch(`${url}/api/traces?annotation=orderId:OTHER&since=2025-12-31T23:00:00Z`, {
      headers: { 'x-test-caller': 'admin' },
    });

    expect(((await found.json()) as { items: { traceId: string; fault: boolean }[] }).items).toEqual([
      expect.objectContaining({ traceId: TRACE, fault: true }),
    ]);
    expect(((await none.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses a customer on the admin listing and a malformed annotation filter', async () => {
    const customer = await fetch(`${url}/api/traces`, { headers: { 'x-test-caller': 'alice' } });

    expect(customer.status).toBe(403);
    expect(() => tracesFilter({ annotation: 'orderId:"x" OR fault' })).toThrow('annotation must be key:value');
  });

  it('documents both routes in /openapi.json, with every waterfall row field the dashboard reads', () => {
    const paths = buildOpenApiDocument(ROUTE_DOCS).paths as unknown as Record<
      string,
      {
        get: {
          responses: Record<
            string,
            { content?: Record<string, { schema: { properties: { segments?: { items: { required: string[] } } } } }> }
          >;
        };
      }
    >;

    const rows =
      paths['/api/orders/{id}/trace']?.get.responses['200']?.content?.['application/json']?.schema.properties.segments
        ?.items.required;

    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/orders/{id}/trace', '/api/traces']));
    expect(rows).toEqual([
      'traceId',
      'id',
      'parentId',
      'name',
      'origin',
      'operation',
      'kind',
      'start',
      'end',
      'durationMs',
      'inProgress',
      'error',
      'fault',
      'throttle',
      'httpStatus',
      'annotations',
      'cause',
    ]);
  });
});
