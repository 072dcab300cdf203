/**
 * Replays are safe (issue 16): the whole bus's archive of an order, replayed through POST /api/admin/replays, reaches
 * every consumer again and changes nothing — no second execution, charge, reservation, email, receipt, webhook
 * delivery or loyalty points — while a consumer added after the fact receives the order's history through a replay
 * to its rule.
 * The platform as `npm start` runs it: the local cloud with the real handlers and ASL, the API in its own process
 * configured as scripts/start.ts configures it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { EventReplays } from '../../core/adapters/eventbridge-replays';
import type { ApiProcess } from '../../scripts/bench-support';
import { signInDemoUsers, startPlatformApi } from '../../scripts/local-platform/test-support/api-process';
import { startLocalCloud, type RunningLocalCloud } from '../../scripts/local-platform/cloud';

jest.setTimeout(240_000);

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let cloud: RunningLocalCloud;
let api: ApiProcess;
let hooks: Server;
const delivered: string[] = [];
const tokens = new Map<string, string>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

const call = async (method: string, path: string, user: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.get(user)}`,
      'content-type': 'application/json',
      ...(method === 'POST' ? { 'idempotency-key': ulid() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const local = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${cloud.edgeUrl}/_local${path}`)).json()) as T;

/** Every processing queue empty and nothing in flight: the consumers have handled what was sent. */
const drained = async (): Promise<true | undefined> => {
  const { queues } = await local<{
    queues: { name: string; depth: number; inFlight: number; delayed: number; isDlq: boolean }[];
  }>('/queues');
  return queues.every(
    (queue) =>
      queue.isDlq || queue.name.endsWith('late-consumer') || queue.depth + queue.inFlight + queue.delayed === 0,
  )
    ? true
    : undefined;
};

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.001, logger: quiet });
  api = await startPlatformApi(cloud);
  hooks = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      delivered.push(request.headers['webhook-id'] as string);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => hooks.listen(0, '127.0.0.1', done));
  for (const [username, token] of await signInDemoUsers(cloud)) tokens.set(username, token);
}, 240_000);

const clients: { destroy(): void }[] = [];
const client = <T extends { destroy(): void }>(made: T): T => {
  clients.push(made);
  return made;
};

afterAll(async () => {
  for (const made of clients) made.destroy();
  hooks?.closeAllConnections();
  await new Promise<void>((done) => (hooks ? hooks.close(() => done()) : done()));
  await api?.stop();
  await cloud?.stop();
});

describe('replaying the archive', () => {
  it('changes nothing an order already did, and gives a late consumer its history', async () => {
    // prepare: one confirmed order with its email, receipt and a webhook delivery
    const windowStart = new Date(Date.now() - 60_000).toISOString();
    const hook = await call('POST', '/api/webhooks', 'alice', {
      url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`,
      eventTypes: ['order.confirmed'],
    });
    expect(hook.status).toBe(201);
    const product = { productId: `replay-${ulid()}`.toLowerCase(), stock: 5 };
    const created = await call('PUT', `/api/products/${product.productId}`, 'admin', {
      name: 'Replay mug',
      price: 1200,
      currency: 'EUR',
      stock: product.stock,
    });
    expect(created.status).toBe(200);
    const placed = await call('POST', '/api/orders', 'alice', {
      items: [{ productId: product.productId, quantity: 1 }],
      paymentToken: 'tok_visa',
    });
    const orderId = placed.body.orderId as string;
    await until('CONFIRMED', async () => {
      const order = await call('GET', `/api/orders/${orderId}`, 'alice');
      return order.body.status === 'CONFIRMED' ? order : undefined;
    });
    const s3 = client(
      new S3Client({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials, forcePathStyle: true }),
    );
    const receipts = async () =>
      (await s3.send(new ListObjectsV2Command({ Bucket: cloud.env.RECEIPTS_BUCKET, Prefix: `receipts/${orderId}` })))
        .Contents ?? [];
    await until('the receipt, the email and the delivery', async () =>
      (await receipts()).length === 1 && delivered.length === 1 && (await drained()) ? true : undefined,
    );
    const emailsOf = async () =>
      (await local<{ emails: { subject: string; text: string }[] }>('/emails')).emails.filter((mail) =>
        mail.text.includes(orderId),
      ).length;
    const sfn = client(new SFNClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials }));
    const executions = async () =>
      (
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: cloud.env.STATE_MACHINE_ARN }))).executions ?? []
      ).filter((execution) => execution.name?.startsWith(orderId)).length;
    const stockOf = async () =>
      (
        (await call('GET', '/api/products?limit=100', 'alice')).body.items as { productId: string; stock: number }[]
      ).find((candidate) => candidate.productId === product.productId)?.stock;
    const before = {
      emails: await emailsOf(),
      receipts: (await receipts()).map((object) => object.ETag),
      deliveries: delivered.length,
      executions: await executions(),
      stock: await stockOf(),
      order: (await call('GET', `/api/orders/${orderId}`, 'alice')).body,
      loyalty: (await call('GET', '/api/loyalty', 'alice')).body,
    };
    expect(before).toMatchObject({
      emails: 1,
      deliveries: 1,
      executions: 1,
      stock: product.stock - 1,
      loyalty: { points: 12, entries: [{ orderId, points: 12 }] },
    });

    // act: replay everything since before the order, to every rule, as the admin
    const started = await call('POST', '/api/admin/replays', 'admin', {
      from: windowStart,
      to: new Date().toISOString(),
    });
    expect(started.status).toBe(202);
    const name = started.body.name as string;
    const finished = await until('the replay to complete', async () => {
      const replay = await call('GET', `/api/admin/replays/${name}`, 'admin');
      return replay.body.state === 'COMPLETED' ? replay.body : undefined;
    });
    await until('the consumers to drain their queues', drained);

    // assess: every effect is as it was
    expect(finished).toMatchObject({ percent: 100 });
    expect({
      emails: await emailsOf(),
      receipts: (await receipts()).map((object) => object.ETag),
      deliveries: delivered.length,
      executions: await executions(),
      stock: await stockOf(),
      order: (await call('GET', `/api/orders/${orderId}`, 'alice')).body,
      loyalty: (await call('GET', '/api/loyalty', 'alice')).body,
    }).toEqual(before);
    const listed = await call('GET', '/api/admin/replays', 'admin');
    expect((listed.body.items as { name: string }[]).map((replay) => replay.name)).toContain(name);

    // act: a consumer added after the fact (its rule and queue), given the history by a replay to its rule only
    const sqs = client(new SQSClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials }));
    const events = client(
      new EventBridgeClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials }),
    );
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'local-late-consumer' }))).QueueUrl!;
    await events.send(
      new PutRuleCommand({
        Name: 'local-late-consumer',
        EventBusName: cloud.env.EVENT_BUS_NAME,
        EventPattern: JSON.stringify({ source: ['orders.platform'], detail: { orderId: [orderId] } }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'local-late-consumer',
        EventBusName: cloud.env.EVENT_BUS_NAME,
        Targets: [{ Id: 'late', Arn: `arn:aws:sqs:${cloud.env.AWS_REGION}:000000000000:local-late-consumer` }],
      }),
    );
    const replays = new EventReplays(events, { busName: cloud.env.EVENT_BUS_NAME, resourcePrefix: 'local' });
    const late = await replays.start({ from: windowStart, to: new Date().toISOString(), rule: 'late-consumer' });
    await until('the late replay', async () =>
      (await replays.describe(late.name)).state === 'COMPLETED' ? true : undefined,
    );
    const received =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })))
        .Messages ?? [];

    // assess: the late consumer got the order's published events; nothing else ran again
    const types = received.map(
      (message) => (JSON.parse(message.Body ?? '{}') as { 'detail-type': string })['detail-type'],
    );
    expect(types).toEqual(expect.arrayContaining(['order.created', 'order.confirmed']));
    expect(
      received.every(
        (message) => (JSON.parse(message.Body ?? '{}') as Record<string, unknown>)['replay-name'] === late.name,
      ),
    ).toBe(true);
    await until('the consumers to drain their queues', drained);
    expect({ emails: await emailsOf(), deliveries: delivered.length, executions: await executions() }).toEqual({
      emails: before.emails,
      deliveries: before.deliveries,
      executions: before.executions,
    });
  });

  it('refuses a whole-bus replay older than the idempotency window, and bad windows', async () => {
    const old = await call('POST', '/api/admin/replays', 'admin', {
      from: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      to: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    });
    const backwards = await call('POST', '/api/admin/replays', 'admin', {
      from: new Date().toISOString(),
      to: new Date(Date.now() - 60_000).toISOString(),
    });
    const customer = await call('POST', '/api/admin/replays', 'alice', {
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date().toISOString(),
    });

    expect([old.status, (old.body.error as { code: string }).code]).toEqual([422, 'REPLAY_REFUSED']);
    expect(backwards.status).toBe(400);
    expect(customer.status).toBe(403);
  });
});
