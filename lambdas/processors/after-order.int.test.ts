/**
 * Issue 5 end to end against the local cloud (startLocalCloud) and the API on a free port: a confirmed order
 * yields exactly one email, one PDF receipt and one signed delivery per matching endpoint of the owner; an
 * endpoint answering 500 is retried until its delivery is given up into the DLQ (at a fast clock: the cloud's
 * timeScale makes the 4-day maximum age 3.5 s), and a redrive delivers it exactly once more; partner
 * ingestion refuses bad signatures and stale timestamps and publishes good events under partner.<id>.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../api/config';
import { orderEventPublisher } from '../../core/adapters/eventbridge-publisher';
import { loadAuthSettings } from '../../api/middleware/auth';
import { startApiServer } from '../../api/server';
import type { RunningApi } from '../../api/server';
import { money } from '../../core/domain/money';
import type { Order } from '../../core/domain/order';
import { orderEvent } from '../../core/events/order-events';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { WebhookSubscriptions } from '../../core/webhooks/fan-out-routing';
import { signedHeaders } from '../../core/webhooks/signing';
import { startLocalCloud } from '../../scripts/local-platform/cloud';
import type { RunningLocalCloud } from '../../scripts/local-platform/cloud';
import { waitFor as pollUntil } from '../../scripts/local-platform/test-support/wait-for';

jest.setTimeout(180_000);

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/** The shared poller with this file's time limit, every 200 ms. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> =>
  pollUntil(what, probe, timeoutMs, 200);

/** The fields of the JSON answers this test reads; an answer without one fails the expectation that reads it. */
interface ApiBody {
  id?: string;
  secret?: string;
  items?: unknown[];
  paths?: Record<string, unknown>;
  error?: { code: string; details?: { message: string }[] };
}

describe('after the order, against the local cloud', () => {
  const saved = { ...process.env };
  let cloud: RunningLocalCloud;
  let api: RunningApi;
  let receiver: Server;
  let receiverUrl = '';
  const received: Received[] = [];
  let flakyStatus = 500;
  const tokens = new Map<string, string>();
  let stores: DynamoStores;
  let eventBridge: EventBridgeClient;
  let dynamo: DynamoDBClient;

  const call = async (
    method: string,
    path: string,
    user?: string,
    body?: unknown,
  ): Promise<{ status: number; body: ApiBody }> => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(user === undefined ? {} : { authorization: `Bearer ${tokens.get(user)}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  const emails = async (): Promise<{ to: string[]; subject: string; text?: string; html?: string }[]> =>
    ((await (await fetch(`${cloud.edgeUrl}/_local/emails`)).json()) as { emails: { to: string[]; subject: string }[] })
      .emails;

  /** A CONFIRMED order of `username` in the table, its order.created outbox record already marked sent (no saga). */
  const confirmedOrder = async (username: string, status: 'CONFIRMED' | 'FAILED' = 'CONFIRMED'): Promise<Order> => {
    const sub = cloud.services.identity.users.find((user) => user.username === username)?.sub ?? '';
    const now = new Date().toISOString();
    const order: Order = {
      orderId: ulid(),
      customerId: sub,
      lines: [
        {
          productId: 'espresso-beans',
          name: 'Espresso beans 1 kg',
          quantity: 2,
          unitPrice: money(2490, 'EUR'),
          lineTotal: money(4980, 'EUR'),
        },
        {
          productId: 'mug',
          name: 'Stoneware mug',
          quantity: 1,
          unitPrice: money(1250, 'EUR'),
          lineTotal: money(1250, 'EUR'),
        },
      ],
      total: money(6230, 'EUR'),
      status,
      ...(status === 'FAILED' ? { failureReason: 'PAYMENT_DECLINED' as const } : {}),
      timeline: [{ status, at: now }],
      paymentToken: 'tok_visa',
      createdAt: now,
      updatedAt: now,
    };
    const created = ulid();
    await stores.orders.createOrder(
      order,
      {
        customerId: sub,
        key: `k-${order.orderId}`,
        requestHash: 'h',
        orderId: order.orderId,
        createdAt: now,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
      {
        orderId: order.orderId,
        eventId: created,
        event: orderEvent(order, created, now, 'order.created'),
        status: 'PENDING',
        createdAt: now,
      },
    );
    await stores.outbox.markOutboxSent(order.orderId, created, now);
    return order;
  };

  /** `asPublishedBefore`: the detail as events carried it before they carried the order (no names, prices, createdAt). */
  const publish = async (order: Order, eventId: string, asPublishedBefore = false) => {
    const current = orderEvent(
      order,
      eventId,
      new Date().toISOString(),
      order.status === 'FAILED' ? 'order.failed' : 'order.confirmed',
    );
    const { createdAt: _createdAt, ...before } = current.detail;
    const event = asPublishedBefore
      ? {
          ...current,
          detail: {
            ...before,
            lines: before.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
          },
        }
      : current;
    // As the saga publishes it: through the webhook routing, which marks it for the fan-out when alice or bob has a
    // subscribed endpoint (core/webhooks/fan-out-routing.ts). A failed entry throws.
    await orderEventPublisher(
      eventBridge,
      cloud.names('orders'),
      new WebhookSubscriptions(
        new DynamoWebhookStore(
          DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
          cloud.env.TABLE_NAME,
        ),
      ),
      new Logger({ logLevel: 'CRITICAL' }),
    ).publish([event]);
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = request.url?.startsWith('/flaky') ? flakyStatus : 204;
        received.push({
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
        });
        response.writeHead(status);
        response.end();
      });
    });
    await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', resolveListen));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    // The fast clock reaches the webhook retry policy (docs/decisions.md); nothing else here waits on the cloud's clock.
    cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.00001 });
    // The in-process functions' Tracer patches http for the whole process; this test's own clients have no segment.
    Object.assign(process.env, cloud.env, { PORT: '0', LOG_LEVEL: 'WARN', AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' });
    api = await startApiServer(loadConfig(), '127.0.0.1', loadAuthSettings());
    for (const user of cloud.services.identity.users) {
      const response = await fetch(`${cloud.edgeUrl}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
        },
        body: JSON.stringify({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: cloud.services.identity.userPoolClientId,
          AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
        }),
      });
      tokens.set(
        user.username,
        ((await response.json()) as { AuthenticationResult: { IdToken: string } }).AuthenticationResult.IdToken,
      );
    }
    const sdk = {
      endpoint: cloud.edgeUrl,
      region: cloud.env.AWS_REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    dynamo = new DynamoDBClient(sdk);
    stores = createDynamoStores(
      DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      cloud.env.TABLE_NAME,
    );
    eventBridge = new EventBridgeClient(sdk);
  });

  afterAll(async () => {
    eventBridge?.destroy();
    dynamo?.destroy();
    await api?.stop();
    await cloud?.stop();
    await new Promise<void>((resolveClose) => receiver.close(() => resolveClose()));
    process.env = saved;
  });

  it('a confirmed order yields one email, one PDF and one signed delivery per matching endpoint; a 500 endpoint ends in the DLQ and a redrive delivers once more', async () => {
    // prepare: alice has an endpoint for order.confirmed, one for order.failed only, and a failing one; bob has one for order.confirmed
    const register = async (user: string, path: string, eventTypes: string[]) => {
      const response = await call('POST', '/api/webhooks', user, { url: `${receiverUrl}${path}`, eventTypes });
      expect(response.status).toBe(201);
      expect(response.body.secret).toMatch(/^whsec_/);
      return response.body as { id: string; secret: string };
    };
    const aliceOk = await register('alice', '/alice-ok', ['order.confirmed']);
    await register('alice', '/alice-failed-only', ['order.failed']);
    const aliceFlaky = await register('alice', '/flaky', ['order.confirmed', 'order.failed']);
    await register('bob', '/bob', ['order.confirmed']);
    expect((await call('GET', `/api/webhooks/${aliceOk.id}`, 'alice')).body.secret).toBeUndefined();
    expect((await call('GET', `/api/webhooks/${aliceOk.id}`, 'bob')).status).toBe(404);
    const order = await confirmedOrder('alice');
    expect((await call('GET', `/api/orders/${order.orderId}/receipt`, 'alice')).status).toBe(404);
    const eventId = ulid();

    // act
    await publish(order, eventId);

    // assess: one email to alice's address from the identity
    const mail = await waitFor('the confirmation email', async () =>
      (await emails()).find((email) => email.subject.includes(order.orderId)),
    );
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.text).toContain('Espresso beans 1 kg');
    expect(mail.html).toContain(order.orderId);

    // assess: the receipt, through a presigned URL, opened by a PDF reader
    const receipt = await waitFor('the receipt', async () => {
      const response = await call('GET', `/api/orders/${order.orderId}/receipt`, 'alice');
      return response.status === 200 ? (response.body as { url: string; expiresAt: string }) : undefined;
    });
    expect(Date.parse(receipt.expiresAt)).toBeGreaterThan(Date.now());
    const pdf = Buffer.from(await (await fetch(receipt.url)).arrayBuffer());
    const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
    try {
      writeFileSync(join(dir, 'r.pdf'), pdf);
      expect(execFileSync('pdftotext', [join(dir, 'r.pdf'), '-'], { encoding: 'utf8' })).toContain(order.orderId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await call('GET', `/api/orders/${order.orderId}/receipt`, 'bob')).status).toBe(404);
    expect((await call('GET', `/api/orders/${order.orderId}/receipt`, 'admin')).status).toBe(200);

    // assess: alice-ok got one delivery that verifies with its secret; the flaky endpoint's delivery is retried, then
    // given up into the DLQ with a failed record its owner sees
    const okDelivery = await waitFor('the delivery to alice-ok', async () =>
      received.find((request) => request.path === '/alice-ok'),
    );
    const payload = new Webhook(aliceOk.secret).verify(
      okDelivery.body,
      okDelivery.headers as Record<string, string>,
    ) as { type: string; data: { orderId: string } };
    expect(payload.type).toBe('order.confirmed');
    expect(payload.data.orderId).toBe(order.orderId);
    const dlq = await waitFor('the failed delivery in the DLQ', async () => {
      const response = await call('GET', '/api/admin/dlqs', 'admin');
      const queue = (response.body.items as { name: string; depth: number; samples: { body: string }[] }[]).find(
        (item) => item.name === 'webhook-deliveries-dlq',
      );
      return queue !== undefined && queue.depth === 1 ? queue : undefined;
    });
    expect(JSON.parse(dlq.samples[0].body).webhookId).toBe(aliceFlaky.id);
    const flakyAttempts = received.filter((request) => request.path === '/flaky');
    expect(flakyAttempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(flakyAttempts.map((request) => request.headers['webhook-id'])).size).toBe(1);
    const log = await call('GET', `/api/webhooks/${aliceFlaky.id}/deliveries`, 'alice');
    const [record] = log.body.items as {
      status: string;
      failureReason: string;
      attempts: number;
      attemptLog: { attempt: number; statusCode: number }[];
    }[];
    expect(record).toMatchObject({ status: 'failed', attempts: flakyAttempts.length });
    expect(['too-old', 'schedule-exhausted']).toContain(record.failureReason);
    expect(record.attemptLog.map((entry) => [entry.attempt, entry.statusCode])).toEqual(
      flakyAttempts.map((_, index) => [index + 1, 500]),
    );

    // act: the endpoint recovers; the admin redrives the DLQ; the same event is also re-delivered by the bus
    flakyStatus = 204;
    expect((await call('POST', '/api/admin/dlqs/webhook-deliveries-dlq/redrive', 'alice')).status).toBe(403);
    expect((await call('POST', '/api/admin/dlqs/webhook-deliveries-dlq/redrive', 'admin')).status).toBe(202);
    await publish(order, eventId);

    // assess: exactly one more delivery to the flaky endpoint, under the same webhook-id, verifying with its secret
    const recovered = await waitFor('the redriven delivery', async () =>
      received.find((request) => request.path === '/flaky' && request.status === 204),
    );
    expect(recovered.headers['webhook-id']).toBe(flakyAttempts[0].headers['webhook-id']);
    expect(() =>
      new Webhook(aliceFlaky.secret).verify(recovered.body, recovered.headers as Record<string, string>),
    ).not.toThrow();
    // A positive marker instead of a sleep: a later order of alice's, published after the re-delivered event, takes the
    // same queues; once its email and both its deliveries arrived, the re-delivered event has been handled.
    const marker = await confirmedOrder('alice');
    await publish(marker, ulid());
    await waitFor('the marker order email', async () =>
      (await emails()).find((email) => email.subject.includes(marker.orderId)),
    );
    await waitFor('the marker delivery to alice-ok', async () =>
      received.find((request) => request.path === '/alice-ok' && request.body.includes(marker.orderId)),
    );
    await waitFor('the marker delivery to flaky', async () =>
      received.find((request) => request.path === '/flaky' && request.body.includes(marker.orderId)),
    );
    const ofOrder = (request: Received) => request.body.includes(order.orderId);
    expect(received.filter((request) => request.path === '/flaky' && ofOrder(request))).toHaveLength(
      flakyAttempts.length + 1,
    );
    expect(received.filter((request) => request.path === '/alice-ok' && ofOrder(request))).toHaveLength(1);
    expect(received.filter((request) => request.path === '/bob' || request.path === '/alice-failed-only')).toHaveLength(
      0,
    );
    expect((await emails()).filter((email) => email.subject.includes(order.orderId))).toHaveLength(1);
  });

  it('an order.confirmed published before events carried the order still yields its email and receipt, read from the table', async () => {
    const order = await confirmedOrder('alice');

    await publish(order, ulid(), true);

    const mail = await waitFor('the confirmation email', async () =>
      (await emails()).find((email) => email.subject.includes(order.orderId)),
    );
    expect(mail.text).toContain('Espresso beans 1 kg');
    await waitFor('the receipt', async () => {
      const response = await call('GET', `/api/orders/${order.orderId}/receipt`, 'alice');
      return response.status === 200 ? response : undefined;
    });
  });

  it('a failed order yields one failure email and deliveries only to the endpoints subscribed to order.failed, and no receipt', async () => {
    // prepare
    const order = await confirmedOrder('alice', 'FAILED');
    const deliveriesTo = (path: string) => received.filter((request) => request.path === path).length;
    const counts = {
      ok: deliveriesTo('/alice-ok'),
      failedOnly: deliveriesTo('/alice-failed-only'),
      bob: deliveriesTo('/bob'),
    };
    // act
    await publish(order, ulid());
    // assess
    const mail = await waitFor('the failure email', async () =>
      (await emails()).find((email) => email.subject.includes(order.orderId)),
    );
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.subject).toContain('could not be completed');
    expect(mail.text).toContain('PAYMENT_DECLINED');
    const delivery = await waitFor('the order.failed delivery', async () =>
      received.find((request) => request.path === '/alice-failed-only' && request.body.includes(order.orderId)),
    );
    expect(JSON.parse(delivery.body).type).toBe('order.failed');
    // The positive marker: a later failed order of alice's takes the same queues; once its delivery and email arrived,
    // anything the first one was going to cause has arrived too.
    const marker = await confirmedOrder('alice', 'FAILED');
    await publish(marker, ulid());
    await waitFor('the marker failure email', async () =>
      (await emails()).find((email) => email.subject.includes(marker.orderId)),
    );
    await waitFor('the marker order.failed delivery', async () =>
      received.find((request) => request.path === '/alice-failed-only' && request.body.includes(marker.orderId)),
    );
    expect(deliveriesTo('/alice-failed-only')).toBe(counts.failedOnly + 2);
    expect(
      received.filter((request) => request.path === '/alice-failed-only' && request.body.includes(order.orderId)),
    ).toHaveLength(1);
    expect(deliveriesTo('/alice-ok')).toBe(counts.ok);
    expect(deliveriesTo('/bob')).toBe(counts.bob);
    const receipt = await call('GET', `/api/orders/${order.orderId}/receipt`, 'alice');
    expect(receipt.status).toBe(409);
    expect(JSON.stringify(receipt.body)).toContain('NO_RECEIPT_ORDER_FAILED');
  });

  it('webhook registration refuses bad input and changes nothing; deletion removes the endpoint; the routes are in /openapi.json', async () => {
    // prepare
    const before = (await call('GET', '/api/webhooks', 'bob')).body.items!.length;
    // act
    const badType = await call('POST', '/api/webhooks', 'bob', {
      url: `${receiverUrl}/x`,
      eventTypes: ['order.shipped'],
    });
    const badUrl = await call('POST', '/api/webhooks', 'bob', {
      url: 'http://10.0.0.8/hook',
      eventTypes: ['order.confirmed'],
    });
    const extra = await call('POST', '/api/webhooks', 'bob', {
      url: `${receiverUrl}/x`,
      eventTypes: ['order.confirmed'],
      source: 'orders.platform',
    });
    const anonymous = await call('POST', '/api/webhooks', undefined, {
      url: `${receiverUrl}/x`,
      eventTypes: ['order.confirmed'],
    });
    // assess
    expect([badType.status, badUrl.status, extra.status, anonymous.status]).toEqual([400, 400, 400, 401]);
    expect(badUrl.body.error?.details?.[0]?.message).toContain('10.0.0.8');
    expect((await call('GET', '/api/webhooks', 'bob')).body.items).toHaveLength(before);
    const created = await call('POST', '/api/webhooks', 'bob', {
      url: `${receiverUrl}/gone`,
      eventTypes: ['order.failed'],
    });
    expect((await call('DELETE', `/api/webhooks/${created.body.id}`, 'alice')).status).toBe(404);
    expect((await call('DELETE', `/api/webhooks/${created.body.id}`, 'bob')).status).toBe(204);
    expect((await call('GET', `/api/webhooks/${created.body.id}`, 'bob')).status).toBe(404);
    expect((await call('GET', '/api/admin/dlqs', 'bob')).status).toBe(403);
    const paths = Object.keys((await call('GET', '/openapi.json')).body.paths ?? {});
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/webhooks',
        '/api/webhooks/{id}/deliveries',
        '/api/orders/{id}/receipt',
        '/api/admin/dlqs',
        '/webhooks/ingest/{partnerId}',
      ]),
    );
  });

  it('ingestion refuses a bad signature and a stale timestamp, and publishes a good event under partner.acme', async () => {
    // prepare
    const partners = (await (await fetch(`${cloud.edgeUrl}/_local/partners`)).json()) as {
      partners: { partnerId: string; secret: string }[];
    };
    const acme = partners.partners.find((partner) => partner.partnerId === 'acme');
    expect(acme?.secret).toMatch(/^whsec_/);
    const secret = acme?.secret ?? '';
    const marker = ulid();
    const body = JSON.stringify({ type: 'shipment.dispatched', data: { marker } });
    const now = Math.floor(Date.now() / 1000);
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`${api.url}/webhooks/ingest/acme`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });

    // act
    const forged = await post(
      { ...signedHeaders(secret, 'msg_forged', now, body) },
      body.replace('dispatched', 'delivered'),
    );
    const stale = await post({ ...signedHeaders(secret, 'msg_stale', now - 3600, body) });
    const good = await post({ ...signedHeaders(secret, 'msg_good', now, body) });
    const badPayload = '{"type":"x"}';
    const invalid = await post({ ...signedHeaders(secret, 'msg_invalid', now, badPayload) }, badPayload);

    // assess
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('STALE_TIMESTAMP');
    expect(invalid.status).toBe(400);
    expect(good.status).toBe(202);
    const recorded = await waitFor('the partner event in GET /api/events', async () => {
      const response = await call('GET', '/api/events?limit=100', 'admin');
      return (
        response.body.items as { source: string; detailType: string; detail: { data?: { marker?: string } } }[]
      ).find((item) => item.detail.data?.marker === marker);
    });
    expect(recorded.source).toBe('partner.acme');
    expect(recorded.detailType).toBe('shipment.dispatched');
  });
});
