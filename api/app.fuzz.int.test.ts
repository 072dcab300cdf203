/**
 * Fuzz of every route of /openapi.json, served by the API's one composition (createApp) over the whole local cloud
 * (api/test-support/api-harness.ts, startCloudApiHarness): DynamoDB, EventBridge, SQS, S3, Step Functions, Secrets
 * Manager and X-Ray are the local cloud's, reached with the API task's credentials. The routes come from the document
 * the app serves, so a route added to the API is fuzzed without editing this file, and the test fails if any
 * documented operation was not called.
 *
 * The property: no request gets a 5xx, every refusal has the error shape, and a refusal writes nothing to the table.
 * The bus's rules are disabled (DisableRule, as an operator would), so nothing but the request itself writes: an
 * order the fuzz does place is not carried on by the saga while the next request is measured.
 *
 * Then every documented operation once more, as the admin and as a customer, on the DynamoDB-backed harness whose
 * other dependencies are unreachable: each answers below 500 or 503 (a broken dependency), never 500.
 *
 * Time: about 15 s to start the cloud, then 30 requests per documented operation (25 today) plus 150 across all of
 * them, each between two consistent counts of the table: about 30 s on a quiet machine. The limit only stops a hang.
 */
import {
  DisableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
} from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { request } from 'node:http';
import { ulid } from 'ulid';
import { startApiHarness, startCloudApiHarness } from './test-support/api-harness';
import type { ApiHarness, CloudApiHarness } from './test-support/api-harness';

jest.setTimeout(300_000);

interface Response {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/**
 * Raw HTTP, so the fuzz can send what fetch would refuse (odd methods, bad encodings). An event stream that opens
 * (GET /api/stream) is answered at its headers and then closed: it would never end.
 */
const send = (url: string, method: string, path: string, headers: Record<string, string>, body: string | undefined) =>
  new Promise<Response>((resolveSend, reject) => {
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
        const contentType = String(response.headers['content-type'] ?? '');
        const status = response.statusCode ?? 0;
        if (contentType.startsWith('text/event-stream')) {
          response.destroy();
          resolveSend({ status, body: '', contentType });
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolveSend({ status, body: Buffer.concat(chunks).toString('utf8'), contentType }));
      },
    );
    outgoing.on('error', reject);
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });

/** One operation of the OpenAPI document. */
interface Operation {
  readonly method: string;
  /** OpenAPI's template, `/api/orders/{id}`. */
  readonly path: string;
  /** No Cognito token needed (`security: []`); partner ingestion checks its own signature instead. */
  readonly public?: boolean;
}
const label = (operation: Operation) => `${operation.method.toUpperCase()} ${operation.path}`;

const printable = (maxLength: number) => fc.string({ maxLength }).filter((value) => /^[\x20-\x7e]*$/.test(value));

/** Values for a path parameter, as they appear in the path: well-formed ids, names that exist, bad encodings, garbage. */
const paramValue = (name: string) =>
  fc.oneof(
    fc.ulid(),
    fc.constantFrom(
      '01JAAAAAAAAAAAAAAAAAAAAAAA',
      'not-an-id',
      'a%23b',
      '..',
      '%00',
      '%E0%A4%A',
      '%ZZ',
      'x'.repeat(300),
    ),
    name === 'partnerId' ? fc.constantFrom('acme', 'globex', 'nope') : fc.constant('acme'),
    name === 'name'
      ? fc.constantFrom('local-webhook-deliveries-dlq', 'webhook-deliveries-dlq', 'local-orders', 'local-email-dlq')
      : fc.constant('local-webhook-deliveries-dlq'),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  );

const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?limit=abc',
    '?limit=0',
    '?limit=5',
    '?cursor=!!',
    '?cursor=eyJ4IjoxfQ',
    '?status=NOPE',
    '?status=PENDING',
    '?minutes=5',
    '?minutes=0',
    '?minutes=-1',
    '?access_token=garbage',
    '?limit=1&limit=2',
  ),
  fc.webQueryParameters().map((value) => `?${value}`),
);

const order = fc.record({
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
  order.map((value) => JSON.stringify(value)),
  order.map((value) => JSON.stringify({ ...value, price: 1, total: 0, customerId: 'someone' })),
  fc
    .record({
      url: fc.oneof(fc.webUrl(), fc.constantFrom('http://127.0.0.1:1/hook', 'https://example.com/hook', 'ftp://x')),
      eventTypes: fc.array(fc.constantFrom('order.confirmed', 'order.failed', 'nope', ''), { maxLength: 4 }),
    })
    .map((value) => JSON.stringify(value)),
  fc
    .record({
      name: fc.string(),
      price: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.double(), fc.string()),
      currency: fc.constantFrom('EUR', 'eur', 'XXX', ''),
      stock: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double()),
    })
    .map((value) => JSON.stringify(value)),
  fc
    .record({ source: fc.string(), 'detail-type': fc.string(), detail: fc.jsonValue() })
    .map((value) => JSON.stringify(value)),
  fc.json(),
  fc.string(),
  fc.constant(undefined),
);

const headers = (tokens: { customer: string; admin: string }) =>
  fc.record(
    {
      authorization: fc.oneof(
        fc.constant(`Bearer ${tokens.customer}`),
        fc.constant(`Bearer ${tokens.admin}`),
        fc.constant(`Bearer ${tokens.customer.slice(0, -4)}AAAA`),
        printable(100),
      ),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/json; charset=latin1',
        'application/merge-patch+json',
        'multipart/form-data',
        '',
      ),
      'idempotency-key': fc.oneof(printable(300), fc.uuid()),
      'content-encoding': fc.constantFrom('gzip', 'identity'),
      'x-request-id': printable(200),
      // Partner ingestion's Standard Webhooks headers, never validly signed here.
      'webhook-id': printable(40),
      'webhook-timestamp': fc.oneof(fc.integer().map(String), printable(20)),
      'webhook-signature': fc.oneof(
        printable(120),
        fc.base64String().map((value) => `v1,${value}`),
      ),
      accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
    },
    { requiredKeys: [] },
  );

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

describe('API fuzz over every route of /openapi.json', () => {
  let api: CloudApiHarness;
  let tokens: { customer: string; admin: string };
  let operations: Operation[];
  /** The statuses each documented operation answered when called with its own method. */
  const answered = new Map<string, Set<number>>();

  beforeAll(async () => {
    api = await startCloudApiHarness();
    const eventBridge = new EventBridgeClient({
      endpoint: api.cloud.edgeUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    for (const bus of (await eventBridge.send(new ListEventBusesCommand({}))).EventBuses ?? [])
      for (const rule of (await eventBridge.send(new ListRulesCommand({ EventBusName: bus.Name }))).Rules ?? [])
        await eventBridge.send(new DisableRuleCommand({ Name: rule.Name, EventBusName: bus.Name }));
    eventBridge.destroy();
    tokens = { customer: await api.tokenFor('fuzzer'), admin: await api.tokenFor('admin') };
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method,
        path,
        public: Array.isArray(operation.security) && operation.security.length === 0,
      })),
    );
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  const itemCount = async () =>
    (
      await api.local.documentClient.send(
        new ScanCommand({ TableName: api.local.tableName, Select: 'COUNT', ConsistentRead: true }),
      )
    ).Count;

  /** Requests to `operation`'s path with fuzzed parameters, query, headers and body; mostly its own method. */
  const requests = (pick: fc.Arbitrary<Operation>) =>
    pick.chain((operation) => {
      const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      return fc.record({
        operation: fc.constant(operation),
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constant(operation.method.toUpperCase()) },
          fc.constantFrom(...METHODS),
        ),
        path: fc
          .tuple(fc.tuple(...names.map(paramValue)), query)
          .map(
            ([values, search]) =>
              `${names.reduce((path, name, index) => path.replace(`{${name}}`, values[index]), operation.path)}${search}`,
          ),
        headers: headers(tokens),
        body,
      });
    });

  const holds = async (sent: {
    operation: Operation;
    method: string;
    path: string;
    headers: Record<string, string>;
    body: string | undefined;
  }) => {
    const before = await itemCount();
    const response = await send(api.url, sent.method, sent.path, sent.headers, sent.body);
    const after = await itemCount();
    if (sent.method === sent.operation.method.toUpperCase())
      answered.set(label(sent.operation), (answered.get(label(sent.operation)) ?? new Set()).add(response.status));
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400 && sent.method !== 'HEAD') {
      expect(JSON.parse(response.body)).toMatchObject({
        error: { code: expect.any(String), message: expect.any(String) },
      });
      expect(after).toBe(before);
    }
  };

  it('never answers 5xx to a documented operation with random input, answers refusals in the error shape, and writes nothing when it refuses', async () => {
    for (const operation of operations)
      await fc.assert(fc.asyncProperty(requests(fc.constant(operation)), holds), { numRuns: 30 });
    expect([...answered.keys()].sort()).toEqual(operations.map(label).sort());
    // Each operation behind Cognito was also reached past authentication, so its handler was fuzzed, not only the
    // token check (the fuzz cannot sign a partner event: ingestion's 401 is its own signature check).
    const guarded = new Set(operations.filter((operation) => operation.public !== true).map(label));
    const onlyRefusedAtTheDoor = [...answered].filter(
      ([operation, statuses]) => guarded.has(operation) && [...statuses].every((status) => status === 401),
    );
    expect(onlyRefusedAtTheDoor).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(25);
  });

  it('never answers 5xx to random requests across all of them, nor to paths outside the document', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          requests(fc.constantFrom(...operations)),
          fc.record({
            operation: fc.constant({ method: 'none', path: '' }),
            method: fc.constantFrom(...METHODS),
            path: fc.oneof(
              fc.webPath(),
              fc.constantFrom('/api/orders/%E0%A4%A', '/api/products/%ZZ', '/api/orders/', '/api'),
            ),
            headers: headers(tokens),
            body,
          }),
        ),
        holds,
      ),
      { numRuns: 150 },
    );
  });
});

describe('every route of /openapi.json with its other dependencies unreachable', () => {
  // The DynamoDB-backed harness: S3, SQS, Step Functions, Secrets Manager and X-Ray point at a closed port.
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('answers every documented operation, as the admin and as a customer, below 500 or with 503 in the error shape', async () => {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const answers: string[] = [];
    for (const [template, methods] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(methods))
        for (const username of ['admin', 'fuzzer']) {
          const path = template
            .replace('{partnerId}', 'acme')
            .replace('{name}', 'local-webhook-deliveries-dlq')
            .replace(/\{[A-Za-z]+\}/g, '01JAAAAAAAAAAAAAAAAAAAAAAA');
          // act
          const response = await send(
            api.url,
            method.toUpperCase(),
            path,
            { ...(await api.authHeader(username)), 'content-type': 'application/json', 'idempotency-key': ulid() },
            operation.requestBody === undefined
              ? undefined
              : '{"url":"https://example.com/hook","eventTypes":["order.confirmed"]}',
          );
          const shaped =
            response.status < 400 ||
            method === 'head' ||
            typeof (JSON.parse(response.body) as { error?: { code?: unknown } }).error?.code === 'string';
          if ((response.status >= 500 && response.status !== 503) || !shaped)
            answers.push(`${method.toUpperCase()} ${template} as ${username}: ${response.status} ${response.body}`);
        }
    // assess
    expect(answers).toEqual([]);
  });
});
