/**
 * A flapping endpoint against the real delivery path: the local cloud (SQS with its event source mapping, the
 * deliver-webhook handler as deployed, DynamoDB Local, IAM enforced) at a fast clock (timeScale 0.001: the 1-minute
 * cool-down is 60 ms, the 2-hour retry 7.2 s), the API as `npm start` runs it for the owner's routes, and a real
 * HTTP receiver on 127.0.0.1 that is down (500), recovers (204), throttles (503 Retry-After), goes away (410) and
 * comes back. Every delivery is followed to its end: delivered, or failed with a record the owner resends; none lost.
 * The figures (attempted, paused, delivered, lost) are printed for docs/decisions.md.
 */
import { orderStatusEventId } from '../../core/events/order-events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { deliveryId as deliveryIdOf } from '../../core/webhooks/signing';
import type { ApiProcess } from '../../scripts/bench-support';
import { startLocalCloud } from '../../scripts/local-platform/cloud';
import type { RunningLocalCloud } from '../../scripts/local-platform/cloud';
import { signInDemoUsers, startPlatformApi } from '../../scripts/local-platform/test-support/api-process';
import { waitFor as pollUntil } from '../../scripts/local-platform/test-support/wait-for';

jest.setTimeout(180_000);

const SCALE = 0.001;
type Mode = 'down' | 'up' | 'throttle' | 'gone';

interface Received {
  readonly at: number;
  readonly webhookId: string;
  readonly status: number;
}

interface Delivery {
  deliveryId: string;
  status: 'pending' | 'delivered' | 'failed';
  failureReason?: string;
  attempts: number;
  resends: number;
}

interface Health {
  status: string;
  circuit: string;
  consecutiveFailures: number;
  nextAttemptAt?: string;
  disabledReason?: string;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** The shared poller with this file's time limit. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  pollUntil(what, probe, timeoutMs);

describe('webhook delivery to a flapping endpoint, through the local cloud', () => {
  let cloud: RunningLocalCloud;
  let api: ApiProcess;
  const saved = { ...process.env };
  let receiver: Server;
  let sqs: SQSClient;
  let tokens: Map<string, string>;
  let mode: Mode = 'down';
  const received: Received[] = [];
  let endpoint: { id: string; customerId: string };
  const queued: string[] = [];

  const call = async (method: string, path: string, user: string) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens.get(user)}` },
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const health = async (): Promise<Health> => (await call('GET', `/api/webhooks/${endpoint.id}`, 'alice')).body.health;
  const deliveries = async (): Promise<Delivery[]> =>
    (await call('GET', `/api/webhooks/${endpoint.id}/deliveries`, 'alice')).body.items;
  const metric = (service: string, operations: readonly string[]): number =>
    cloud.services.metrics
      .snapshot()
      .operations.filter((op) => op.service === service && operations.includes(op.operation))
      .reduce((sum, op) => sum + op.calls, 0);
  const visibilityChanges = () => metric('sqs', ['ChangeMessageVisibility']);
  const deadLetters = () => cloud.services.sqs.queue(cloud.names('webhook-deliveries-dlq')).messages.size;

  /** Queues `count` deliveries to the endpoint as fan-out-webhooks does (one message per event and endpoint). */
  const queue = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    const entries = Array.from({ length: count }, (_, index) => {
      // The ids the platform's events carry (`<orderId>-confirmed`): the resend route must accept them.
      const orderId = ulid();
      const eventId = orderStatusEventId(orderId, 'CONFIRMED');
      const id = deliveryIdOf(eventId, endpoint.id);
      ids.push(id);
      const payload = JSON.stringify({
        type: 'order.confirmed',
        timestamp: new Date().toISOString(),
        data: { orderId, status: 'CONFIRMED' },
      });
      return {
        Id: String(index),
        MessageBody: JSON.stringify({
          customerId: endpoint.customerId,
          webhookId: endpoint.id,
          deliveryId: id,
          eventId,
          eventType: 'order.confirmed',
          payload,
        }),
      };
    });
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.services.sqs.queueUrl(cloud.names('webhook-deliveries'), cloud.edgeUrl),
        Entries: entries,
      }),
    );
    expect(response.Failed ?? []).toEqual([]);
    queued.push(...ids);
    return ids;
  };
  const byStatus = (status: number) => received.filter((request) => request.status === status);

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const status = { down: 500, up: 204, throttle: 503, gone: 410 }[mode];
        received.push({ at: Date.now(), webhookId: String(request.headers['webhook-id']), status });
        // Retry-After: 3000 s, which the fast clock makes 3 s.
        response.writeHead(status, mode === 'throttle' ? { 'retry-after': '3000' } : {});
        response.end();
      });
    });
    await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', resolveListen));
    // The functions' INFO lines (one per pause) would bury the test's output; warnings and errors stay.
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    cloud = await startLocalCloud({ edgePort: 0, timeScale: SCALE });
    api = await startPlatformApi(cloud);
    tokens = await signInDemoUsers(cloud);
    sqs = new SQSClient({
      endpoint: cloud.edgeUrl,
      region: cloud.env.AWS_REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const registered = await fetch(`${api.url}/api/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/flap`,
        eventTypes: ['order.confirmed'],
      }),
    });
    expect(registered.status).toBe(201);
    endpoint = (await registered.json()) as { id: string; customerId: string };
  });

  afterAll(async () => {
    sqs?.destroy();
    await api?.stop();
    await cloud?.stop();
    receiver.closeAllConnections();
    await new Promise<void>((resolveClose) => receiver.close(() => resolveClose()));
    process.env = saved;
  });

  it('opens the circuit after 5 consecutive failures, probes one at a time while down, pauses the rest without losing them, and delivers each once it recovers', async () => {
    // prepare
    const changesBefore = visibilityChanges();
    // act: 8 deliveries to an endpoint that answers 500
    const down = await queue(8);
    const opened = await waitFor('the open circuit', async () => {
      const now = await health();
      return now.circuit !== 'closed' ? now : undefined;
    });
    // 2 s down: a delivery whose retry lands on several failed probes waits its schedule (the 4th retry 7.2 s here).
    await sleep(2000);
    // Every retry while down: each delivery's first attempt happened before the 5 failures that opened the circuit
    // (or with them, in the same batch), so what follows is what the open circuit let through.
    const firstAttempts = new Set<string>();
    const duringOutage = received.filter((request) => {
      if (firstAttempts.has(request.webhookId)) return true;
      firstAttempts.add(request.webhookId);
      return false;
    });
    mode = 'up';
    const final = await waitFor(
      'every delivery delivered',
      async () => {
        const list = await deliveries();
        return list.length === 8 && list.every((delivery) => delivery.status === 'delivered') ? list : undefined;
      },
      90_000,
    );

    // assess: the circuit opened on the 5th consecutive failure and said when it probes next
    expect(opened).toMatchObject({ status: 'failing' });
    expect(opened.consecutiveFailures).toBeGreaterThanOrEqual(5);
    // while open: only probes, one at a time, fewer than one per paused delivery over 2 s (without the breaker each
    // of the 8 would have been retried on its own schedule: 1 s, then 1 s at this clock, 16 requests)
    expect(duringOutage.length).toBeLessThan(8);
    for (let index = 1; index < duringOutage.length; index += 1)
      expect(duringOutage[index].at - duringOutage[index - 1].at).toBeGreaterThanOrEqual(50);
    // once up: each delivery answered 2xx exactly once, under its own webhook-id, and nothing in the DLQ
    const delivered = byStatus(204).map((request) => request.webhookId);
    expect([...delivered].sort()).toEqual([...down].sort());
    expect(final.map((delivery) => delivery.attempts).reduce((a, b) => a + b, 0)).toBe(
      received.filter((request) => down.includes(request.webhookId)).length,
    );
    expect(await health()).toMatchObject({ status: 'healthy', circuit: 'closed', consecutiveFailures: 0 });
    const failedAnswers = byStatus(500).length;
    const paused = visibilityChanges() - changesBefore - failedAnswers;
    expect(paused).toBeGreaterThan(0);
    expect(deadLetters()).toBe(0);
    figures.push({
      phase: 'down then up',
      queued: 8,
      attempted: received.length,
      failedAnswers,
      retriesWhileDown: duringOutage.length,
      paused,
      delivered: delivered.length,
      mostAttempts: Math.max(...final.map((delivery) => delivery.attempts)),
    });
  });

  it("honours a 503's Retry-After for every delivery to the endpoint, not only the one that got it", async () => {
    // prepare
    const before = received.length;
    mode = 'throttle';
    // act
    await queue(1);
    const throttled = await waitFor('the 503', async () => received.slice(before).find((r) => r.status === 503));
    mode = 'up';
    const more = await queue(3);
    await waitFor('all four delivered', async () => {
      const list = await deliveries();
      const mine = list.filter((delivery) => more.includes(delivery.deliveryId));
      return mine.length === 3 && mine.every((delivery) => delivery.status === 'delivered') ? true : undefined;
    });
    // assess: nothing reached the endpoint for the 3 s (3000 s at this clock) it asked for
    const after = received.slice(before).filter((request) => request.at > throttled.at);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...after.map((request) => request.at)) - throttled.at).toBeGreaterThanOrEqual(2900);
    figures.push({ phase: 'throttled', queued: 4, attempted: received.length - before, delivered: 4 });
  });

  it('disables the endpoint on 410, records the deliveries it could not make, and delivers them after the owner re-enables and resends', async () => {
    // prepare
    const before = received.length;
    mode = 'gone';
    // act: 410 to the first delivery; later ones find the endpoint disabled and are not attempted
    const gone = await queue(1);
    await waitFor('the disabled endpoint', async () => ((await health()).status === 'disabled' ? true : undefined));
    const whileDisabled = await queue(2);
    const ids = [...gone, ...whileDisabled];
    const failed = await waitFor('three failed deliveries', async () => {
      const list = (await deliveries()).filter((d) => ids.includes(d.deliveryId));
      return list.length === 3 && list.every((delivery) => delivery.status === 'failed') ? list : undefined;
    });
    const attemptsWhileGone = received.length - before;
    const refusedResend = await call('POST', `/api/webhooks/${endpoint.id}/deliveries/${gone[0]}/resend`, 'alice');
    const othersEnable = await call('POST', `/api/webhooks/${endpoint.id}/enable`, 'bob');
    mode = 'up';
    const enabled = await call('POST', `/api/webhooks/${endpoint.id}/enable`, 'alice');
    const othersResend = await call('POST', `/api/webhooks/${endpoint.id}/deliveries/${gone[0]}/resend`, 'bob');
    const unknown = await call(
      'POST',
      `/api/webhooks/${endpoint.id}/deliveries/msg_${ulid()}_${endpoint.id}/resend`,
      'alice',
    );
    const resent = [];
    for (const id of ids)
      resent.push(await call('POST', `/api/webhooks/${endpoint.id}/deliveries/${id}/resend`, 'alice'));
    const final = await waitFor('the resent deliveries delivered', async () => {
      const list = (await deliveries()).filter((d) => ids.includes(d.deliveryId));
      return list.every((delivery) => delivery.status === 'delivered') ? list : undefined;
    });

    // assess
    expect(failed.map((delivery) => delivery.failureReason).sort()).toEqual([
      'endpoint-disabled',
      'endpoint-disabled',
      'endpoint-gone',
    ]);
    expect(attemptsWhileGone).toBe(1);
    expect(refusedResend).toMatchObject({ status: 409, body: { error: { code: 'ENDPOINT_DISABLED' } } });
    expect([othersEnable.status, othersResend.status, unknown.status]).toEqual([404, 404, 404]);
    expect(enabled).toMatchObject({ status: 200, body: { health: { status: 'healthy', circuit: 'closed' } } });
    expect(resent.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(final.map((delivery) => delivery.resends)).toEqual([1, 1, 1]);
    // each resent delivery arrived under its original webhook-id, once
    for (const id of ids)
      expect(received.filter((request) => request.webhookId === id && request.status === 204)).toHaveLength(1);
    figures.push({
      phase: 'gone, re-enabled, resent',
      queued: 3,
      attempted: received.length - before,
      resent: 3,
      delivered: 3,
    });
  });

  it('resends a delivered delivery once more under its webhook-id, and loses nothing', async () => {
    // prepare
    const [first] = queued;
    const before = received.filter((request) => request.webhookId === first && request.status === 204).length;
    // act
    const resent = await call('POST', `/api/webhooks/${endpoint.id}/deliveries/${first}/resend`, 'alice');
    await waitFor('the second delivery', async () =>
      received.filter((request) => request.webhookId === first && request.status === 204).length > before
        ? true
        : undefined,
    );
    // assess
    expect(resent).toMatchObject({ status: 202, body: { deliveryId: first, round: 1 } });
    const all = await deliveries();
    const lost = queued.filter((id) => all.find((delivery) => delivery.deliveryId === id)?.status !== 'delivered');
    expect(lost).toEqual([]);
    expect(deadLetters()).toBe(0);
    figures.push({ phase: 'total', queued: queued.length, attempted: received.length, lost: lost.length });
    process.stdout.write(`webhook delivery figures: ${JSON.stringify(figures)}\n`);
  });
});

const figures: Record<string, unknown>[] = [];
