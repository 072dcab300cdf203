import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { request } from 'node:http';
import { startApiHarness } from './test-support/api-harness';
import type { ApiHarness } from './test-support/api-harness';

/** Raw HTTP, so the fuzz can send what fetch would refuse (odd methods, bad encodings, lying Content-Length). */
const send = (url: string, method: string, path: string, headers: Record<string, string>, body: string | undefined) =>
  new Promise<{ status: number; body: string; contentType: string }>((resolveSend, reject) => {
    const target = new URL(url);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolveSend({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: String(response.headers['content-type'] ?? ''),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });

const validOrder = fc.record({
  items: fc.array(
    fc.record({
      productId: fc.constantFrom('mug', 'grinder', 'espresso-beans', 'nope', 'a#b', ''),
      quantity: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), fc.string()),
    }),
    { maxLength: 55 },
  ),
  paymentToken: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
});

const body = fc.oneof(
  validOrder.map((value) => JSON.stringify(value)),
  fc.json(),
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify({ items: value })),
  validOrder.map((value) => JSON.stringify({ ...value, price: 1, total: 0 })),
  fc.constant(undefined),
);

const path = fc.oneof(
  fc.constantFrom(
    '/api/orders',
    '/api/orders/',
    '/api/products',
    '/api/events',
    '/health',
    '/openapi.json',
    '/api/products/mug',
    '/api/orders/01JAAAAAAAAAAAAAAAAAAAAAAA',
  ),
  // The routes beyond orders whose dependencies the harness runs (DynamoDB Local): webhooks, activity, stats.
  fc.constantFrom(
    '/api/webhooks',
    '/api/webhooks/01JAAAAAAAAAAAAAAAAAAAAAAA',
    '/api/webhooks/nope/deliveries',
    '/api/orders/01JAAAAAAAAAAAAAAAAAAAAAAA/activity',
    '/api/admin/stats?minutes=5',
    '/api/admin/stats?minutes=0',
  ),
  fc.constantFrom(
    '/api/orders/%E0%A4%A',
    '/api/products/%ZZ',
    '/api/orders?limit=abc',
    '/api/orders?cursor=!!',
    '/api/orders?limit=0',
    '/api/events?cursor=eyJ4IjoxfQ',
    '/api/orders?status=NOPE',
  ),
  fc.webPath(),
  fc.string({ minLength: 1 }).map((value) => `/api/orders/${encodeURIComponent(value)}`),
);

const headers = (tokens: { customer: string; admin: string }) =>
  fc.record(
    {
      authorization: fc.oneof(
        fc.constant(`Bearer ${tokens.customer}`),
        fc.constant(`Bearer ${tokens.admin}`),
        fc.constant(`Bearer ${tokens.customer.slice(0, -4)}AAAA`),
        fc.string({ maxLength: 100 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
      ),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/json; charset=latin1',
        'application/merge-patch+json',
        'multipart/form-data',
        '',
      ),
      'x-customer-id': fc.oneof(
        fc.constantFrom('fuzzer', 'admin', '', 'a#b', 'x'.repeat(65)),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
      ),
      'idempotency-key': fc.oneof(
        fc.string({ maxLength: 300 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
        fc.uuid(),
      ),
      'content-encoding': fc.constantFrom('gzip', 'identity'),
      'x-request-id': fc.string({ maxLength: 200 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
    },
    { requiredKeys: [] },
  );

// 300 requests, each followed by a consistent count of the table: a few seconds on a quiet machine, several times
// that on a loaded CI runner. The limit only stops a hang; the property is what the test asserts.
jest.setTimeout(180_000);

describe('API fuzz', () => {
  let api: ApiHarness;
  let tokens: { customer: string; admin: string };
  beforeAll(async () => {
    api = await startApiHarness();
    tokens = { customer: await api.tokenFor('fuzzer'), admin: await api.tokenFor('admin') };
  });
  afterAll(async () => {
    await api.stop();
  });

  const itemCount = async () =>
    (
      await api.local.documentClient.send(
        new ScanCommand({ TableName: api.local.tableName, Select: 'COUNT', ConsistentRead: true }),
      )
    ).Count;

  it('never answers 500 to random requests, answers errors in the error shape, and writes nothing when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path,
        headers(tokens),
        body,
        async (method, target, sentHeaders, payload) => {
          const before = await itemCount();
          const response = await send(api.url, method, target, sentHeaders, payload);
          const after = await itemCount();
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400 && method !== 'HEAD') {
            expect(JSON.parse(response.body)).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
            expect(after).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
