/**
 * GET /api/orders/:id/activity after the processors ran: send-email and deliver-webhook handlers driven with SQS
 * records against DynamoDB Local (the API harness), the local SES behind a local edge and a real HTTP receiver.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import type { Order } from '../../core/domain/order';
import { ORDER_EVENT_SOURCE, orderEvent } from '../../core/events/order-events';
import { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { deliveryPolicy } from '../../core/webhooks/delivery-policy';
import { createDeliverWebhookHandler } from '../../lambdas/processors/deliver-webhook';
import { createSendEmailHandler } from '../../lambdas/processors/send-email';
import { effectIdempotencyPersistence, idempotencyPersistence } from '../../lambdas/shared/powertools';
import type { LambdaContext } from '../../lambdas/shared/lambda-context';
import { startEdge } from '@order-platform/local-cloud/edge';
import type { RunningEdge } from '@order-platform/local-cloud/edge';
import { LocalSes } from '@order-platform/local-cloud/ses';
import { localCredentials } from '@order-platform/local-cloud/dynamodb';
import { startApiHarness } from '../test-support/api-harness';
import type { ApiHarness } from '../test-support/api-harness';
import type { OrderActivityResponse } from './activity';

jest.setTimeout(60_000);

const context = (functionName: string): LambdaContext => ({
  functionName,
  awsRequestId: ulid(),
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 30_000,
});

const sqsRecord = (body: string, queue: string, receiveCount = 1) => ({
  messageId: ulid(),
  receiptHandle: ulid(),
  body,
  attributes: { ApproximateReceiveCount: String(receiveCount) },
  eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
});

/** The EventBridge envelope of `order`'s order.confirmed with detail id `eventId`, as the email queue delivers it. */
const confirmedEnvelope = (order: Order, eventId: string): string => {
  const confirmed = orderEvent(order, eventId, order.updatedAt);
  return JSON.stringify({
    version: '0',
    id: ulid(),
    'detail-type': confirmed.detailType,
    source: ORDER_EVENT_SOURCE,
    account: '000000000000',
    time: order.updatedAt,
    region: 'us-east-1',
    resources: [],
    detail: confirmed.detail,
  });
};

describe('GET /api/orders/:id/activity', () => {
  let api: ApiHarness;
  let edge: RunningEdge;
  let ses: SESv2Client;
  let sqs: SQSClient;
  let receiver: Server;
  let receiverUrl = '';
  const localSes = new LocalSes();
  const answers: number[] = [];

  const get = async (path: string, username: string) => {
    const response = await fetch(`${api.url}${path}`, { headers: await api.authHeader(username) });
    return {
      status: response.status,
      body: (await response.json()) as OrderActivityResponse & { error?: { code: string } },
    };
  };

  /** An order of `username` moved through the saga's statuses to CONFIRMED (the saga itself is not under test). */
  const confirmedOrder = async (username: string): Promise<Order> => {
    const response = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { ...(await api.authHeader(username)), 'content-type': 'application/json', 'idempotency-key': ulid() },
      body: JSON.stringify({ items: [{ productId: 'mug', quantity: 1 }], paymentToken: 'tok_visa' }),
    });
    const { orderId } = (await response.json()) as { orderId: string };
    let order: Order | undefined;
    for (const to of ['VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED'] as const)
      order = await api.stores.orders.transitionOrder({ orderId, to, at: new Date().toISOString() });
    return order as Order;
  };

  beforeAll(async () => {
    api = await startApiHarness();
    edge = await startEdge({ services: [localSes] });
    ses = new SESv2Client({ endpoint: edge.url, region: 'us-east-1', credentials: localCredentials });
    // deliver-webhook only calls SQS to set a retry's backoff; nothing answers SQS here, which it tolerates.
    sqs = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.statusCode = answers.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', () => resolveListen()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    ses.destroy();
    sqs.destroy();
    receiver.closeAllConnections();
    await new Promise<void>((resolveClose) => receiver.close(() => resolveClose()));
    await edge.close();
    await api.stop();
  });

  it("lists the order's email once however often its event arrives, and every webhook attempt with its outcome", async () => {
    const order = await confirmedOrder('alice');
    const activity = new DynamoOrderActivityStore(api.local.documentClient, api.local.tableName);
    // send-email's idempotency records (deliver-webhook keeps its own delivery record instead).
    const persistence = idempotencyPersistence(api.local.client, api.local.tableName);
    const sendEmail = createSendEmailHandler({
      store: api.stores.orders,
      ses,
      directory: {
        contactOf: async (customerId) =>
          customerId === order.customerId ? { email: 'alice@example.com', name: 'Alice' } : undefined,
      },
      from: 'orders@example.com',
      persistence,
      activity,
    });
    const eventId = ulid();
    const envelope = confirmedEnvelope(order, eventId);
    const webhooks = new DynamoWebhookStore(api.local.documentClient, api.local.tableName);
    const webhookId = ulid();
    await webhooks.createEndpoint({
      webhookId,
      customerId: order.customerId,
      url: receiverUrl,
      eventTypes: ['order.confirmed'],
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      createdAt: new Date().toISOString(),
    });
    const deliver = createDeliverWebhookHandler({
      store: webhooks,
      sqs,
      deadLetterQueueUrl: 'http://127.0.0.1:1/000000000000/webhook-deliveries-dlq',
      urlPolicy: { allowLoopback: true },
      // The second attempt is due at once, so the test sends it right after the first.
      delivery: deliveryPolicy({
        retrySchedule: '0s,0s,5m',
        breakerThreshold: 5,
        breakerCooldown: '1m,1h',
        maxDeliveryAge: '1d',
      }),
      activity,
    });
    const delivery = JSON.stringify({
      customerId: order.customerId,
      webhookId,
      deliveryId: `msg_${eventId}_${webhookId}`,
      eventId,
      eventType: 'order.confirmed',
      payload: JSON.stringify({
        type: 'order.confirmed',
        timestamp: order.updatedAt,
        data: { orderId: order.orderId, status: 'CONFIRMED' },
      }),
    });
    answers.push(500, 200);

    const first = await sendEmail({ Records: [sqsRecord(envelope, 'email')] }, context('send-email'));
    const repeat = await sendEmail({ Records: [sqsRecord(envelope, 'email')] }, context('send-email'));
    const failedAttempt = await deliver(
      { Records: [sqsRecord(delivery, 'webhook-deliveries', 1)] },
      context('deliver-webhook'),
    );
    const retried = await deliver(
      { Records: [sqsRecord(delivery, 'webhook-deliveries', 2)] },
      context('deliver-webhook'),
    );
    const answer = await get(`/api/orders/${order.orderId}/activity`, 'alice');
    const rewritten = await activity.recordEmail(order.orderId, eventId, {
      to: 'mallory@example.com',
      subject: 'x',
      kind: 'order.confirmed',
      sentAt: new Date().toISOString(),
      messageId: 'other',
    });

    expect(rewritten).toBe(false);
    expect((await activity.getActivity(order.orderId)).emails.map((email) => email.to)).toEqual(['alice@example.com']);
    expect([first, repeat, retried]).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    expect(failedAttempt.batchItemFailures).toHaveLength(1);
    expect(
      localSes
        .emails()
        .filter((email) => email.subject.includes(order.orderId) || (email.text ?? '').includes(order.orderId)),
    ).toHaveLength(1);
    expect(answer.status).toBe(200);
    expect(answer.body.emails).toEqual([
      {
        to: 'alice@example.com',
        subject: expect.any(String),
        kind: 'order.confirmed',
        sentAt: expect.any(String),
        messageId: expect.stringMatching(/.+/),
      },
    ]);
    expect(answer.body.emails[0]?.subject).toBe(localSes.emails().at(-1)?.subject);
    expect(answer.body.deliveries).toEqual([
      {
        webhookId,
        url: receiverUrl,
        eventType: 'order.confirmed',
        attempt: 1,
        statusCode: 500,
        at: expect.any(String),
        outcome: 'FAILED',
      },
      {
        webhookId,
        url: receiverUrl,
        eventType: 'order.confirmed',
        attempt: 2,
        statusCode: 200,
        at: expect.any(String),
        outcome: 'DELIVERED',
      },
    ]);
  });

  it('records a sent email under its order on the redelivery when the record failed, and sends no second email', async () => {
    // prepare: the order-page record fails once after the email went out and its idempotency record was COMPLETED
    const order = await confirmedOrder('gina');
    const activity = new DynamoOrderActivityStore(api.local.documentClient, api.local.tableName);
    let failures = 1;
    const sendEmail = createSendEmailHandler({
      store: api.stores.orders,
      ses,
      directory: { contactOf: async () => ({ email: 'gina@example.com', name: 'Gina' }) },
      from: 'orders@example.com',
      persistence: effectIdempotencyPersistence(api.local.client, api.local.tableName),
      activity: {
        recordEmail: async (...args) => {
          if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
          return activity.recordEmail(...args);
        },
      },
    });
    const envelope = confirmedEnvelope(order, ulid());
    const emailsOfOrder = () => localSes.emails().filter((email) => email.subject.includes(order.orderId));

    // act: the first delivery fails on the record; SQS delivers the message again
    const first = await sendEmail({ Records: [sqsRecord(envelope, 'email')] }, context('send-email'));
    const recordedAfterFirst = (await activity.getActivity(order.orderId)).emails.length;
    const redelivered = await sendEmail({ Records: [sqsRecord(envelope, 'email', 2)] }, context('send-email'));

    // assert: one email; the record missing after the failed delivery, written by the redelivery
    expect(first.batchItemFailures).toHaveLength(1);
    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(emailsOfOrder()).toHaveLength(1);
    expect(recordedAfterFirst).toBe(0);
    expect((await activity.getActivity(order.orderId)).emails).toEqual([
      expect.objectContaining({ to: 'gina@example.com', messageId: emailsOfOrder()[0]?.messageId }),
    ]);
  });

  it('answers empty lists for an order that caused nothing yet, to its owner and to the admin', async () => {
    const order = await confirmedOrder('dora');

    const owner = await get(`/api/orders/${order.orderId}/activity`, 'dora');
    const admin = await get(`/api/orders/${order.orderId}/activity`, 'admin');

    expect(owner).toEqual({ status: 200, body: { emails: [], deliveries: [] } });
    expect(admin).toEqual({ status: 200, body: { emails: [], deliveries: [] } });
  });

  it("answers 404 for another customer's order, an unknown order and a malformed id", async () => {
    const order = await confirmedOrder('erin');

    const other = await get(`/api/orders/${order.orderId}/activity`, 'frank');
    const unknown = await get(`/api/orders/${ulid()}/activity`, 'erin');
    const malformed = await get('/api/orders/not-an-id/activity', 'erin');

    expect([other.status, unknown.status, malformed.status]).toEqual([404, 404, 404]);
    expect(other.body.error?.code).toBe('NOT_FOUND');
  });
});
