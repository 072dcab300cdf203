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
        getOrder: async (id: string) =>
          id === ORDER ? { customerId: 'alice', createdAt: new Date(at * 1000).toISOString() } : undefined,
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
