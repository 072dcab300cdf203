/**
 * deliver-webhook as several Lambda instances see it: two handlers built with createDeliverWebhookHandler (two
 * processes, each with its own cockatiel breakers) over one DynamoDB Local table and one local SQS, delivering to a
 * real HTTP receiver on 127.0.0.1. What one instance learns about an endpoint (its circuit opened) the other acts on;
 * and what a delivery costs in table writes is counted on the wire of the document client the handler uses.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEdge } from '@order-platform/local-cloud/edge';
import type { RunningEdge } from '@order-platform/local-cloud/edge';
import { LocalSqs } from '@order-platform/local-cloud/sqs';
import { ulid } from 'ulid';
import { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { deliveryPolicy } from '../../core/webhooks/delivery-policy';
import { deliveryId as deliveryIdOf } from '../../core/webhooks/signing';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientFor, localCredentials, startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import type { LambdaContext } from '../shared/lambda-context';
import type { SqsRecord } from '../shared/sqs-batch';
import { createDeliverWebhookHandler } from './deliver-webhook';

jest.setTimeout(60_000);

const context: LambdaContext = {
  functionName: 'deliver-webhook',
  awsRequestId: 'test',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:deliver-webhook',
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 10_000,
};

// A breaker as the defaults' (5 failures) with a 2-second cool-down, long enough that no step of the test under load
// reaches it by accident, short enough to wait for.
const policy = deliveryPolicy({
  retrySchedule: '0s,5m',
  breakerThreshold: 5,
  breakerCooldown: '2s,1m',
  maxDeliveryAge: '1d',
});

describe('deliver-webhook across instances, against DynamoDB Local and a local SQS', () => {
  let table: LocalTable;
  let edge: RunningEdge;
  let sqs: SQSClient;
  let receiver: Server;
  let receiverUrl = '';
  let status = 500;
  const received: string[] = [];
  const writes: string[] = [];
  const clients: DynamoDBClient[] = [];
  const localSqs = new LocalSqs({ region: 'us-east-1' });
  let queueUrl = '';
  let queueArn = '';

  /** A handler as one Lambda instance builds it, its table calls counted by operation. */
  const instance = () => {
    const client = clientFor(table.dynamo.endpoint);
    clients.push(client);
    const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    client.middlewareStack.add(
      (next, middlewareContext) => async (args) => {
        const command = middlewareContext.commandName ?? '';
        if (/^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/.test(command))
          writes.push(command);
        return next(args);
      },
      { step: 'initialize' },
    );
    return createDeliverWebhookHandler({
      store: new DynamoWebhookStore(documents, table.tableName),
      activity: new DynamoOrderActivityStore(documents, table.tableName),
      sqs,
      deadLetterQueueUrl: localSqs.queueUrl('webhook-deliveries-dlq', edge.url),
      urlPolicy: { allowLoopback: true },
      delivery: policy,
    });
  };

  const endpoint = async () => {
    const store = new DynamoWebhookStore(table.documentClient, table.tableName);
    const webhookId = ulid();
    await store.createEndpoint({
      webhookId,
      customerId: 'c-instances',
      url: receiverUrl,
      eventTypes: ['order.confirmed'],
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      createdAt: new Date().toISOString(),
    });
    return { webhookId, store };
  };

  /**
   * Queues one delivery and receives it, as the event source mapping would: a record with a live receipt handle.
   * Messages of earlier steps that came back meanwhile are left in flight (a paused one returns within seconds).
   */
  const record = async (webhookId: string, body?: string): Promise<SqsRecord> => {
    const eventId = ulid();
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody:
          body ??
          JSON.stringify({
            customerId: 'c-instances',
            webhookId,
            deliveryId: deliveryIdOf(eventId, webhookId),
            eventId,
            eventType: 'order.confirmed',
            payload: JSON.stringify({ type: 'order.confirmed', timestamp: '', data: { orderId: ulid() } }),
          }),
      }),
    );
    for (;;) {
      const messages =
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['All'],
            }),
          )
        ).Messages ?? [];
      const message = messages.find((candidate) => candidate.MessageId === sent.MessageId);
      if (message !== undefined)
        return {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          attributes: message.Attributes ?? {},
          eventSourceARN: queueArn,
        };
    }
  };

  beforeAll(async () => {
    table = await startLocalTable();
    edge = await startEdge({ services: [localSqs] });
    localSqs.createQueue('webhook-deliveries-dlq');
    ({ url: queueUrl, arn: queueArn } = localSqs.createQueue('webhook-deliveries', { VisibilityTimeout: '30' }));
    queueUrl = localSqs.queueUrl('webhook-deliveries', edge.url);
    sqs = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials: localCredentials });
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(String(request.headers['webhook-id']));
        response.statusCode = status;
        response.end();
      });
    });
    await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', () => resolveListen()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    sqs?.destroy();
    receiver.closeAllConnections();
    await new Promise<void>((resolveClose) => receiver.close(() => resolveClose()));
    await edge?.close();
    await table?.stop();
  });

  it("pauses an instance that never saw a failure once another instance's failures opened the circuit, and lets one probe close it", async () => {
    // prepare: instance A sees 5 failures of the endpoint
    const { webhookId, store } = await endpoint();
    const a = instance();
    const b = instance();
    status = 500;
    for (let index = 0; index < 5; index += 1) await a({ Records: [await record(webhookId)] }, context);
    const afterA = received.length;
    // act: instance B gets a delivery for the endpoint at once, and another after the cool-down (2 s here)
    const paused = await b({ Records: [await record(webhookId)] }, context);
    const sentWhilePaused = received.length - afterA;
    await new Promise((resolveWait) => setTimeout(resolveWait, 2100));
    status = 204;
    const probe = await b({ Records: [await record(webhookId)] }, context);
    const next = await a({ Records: [await record(webhookId)] }, context);
    // assess
    expect(sentWhilePaused).toBe(0);
    expect(paused.batchItemFailures).toHaveLength(1);
    expect([probe.batchItemFailures, next.batchItemFailures]).toEqual([[], []]);
    expect(received.length - afterA).toBe(2);
    expect((await store.getEndpoint('c-instances', webhookId))?.health?.breaker?.breakerState).toBe(0);
  });

  it('delivers a healthy delivery with two writes (its record and the order activity line), and a repeat with none', async () => {
    // prepare
    const { webhookId } = await endpoint();
    const handler = instance();
    status = 204;
    const first = await record(webhookId);
    writes.length = 0;
    // act
    await handler({ Records: [first] }, context);
    const firstWrites = [...writes];
    writes.length = 0;
    const before = received.length;
    await handler({ Records: [await record(webhookId, first.body)] }, context);
    // assess
    expect(firstWrites).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(writes).toEqual([]);
    expect(received.length).toBe(before);
  });

  it('takes a 410 Gone as the end: the endpoint disabled, the delivery failed for its owner, no retry, and the next delivery not attempted', async () => {
    // prepare
    const { webhookId, store } = await endpoint();
    const handler = instance();
    status = 410;
    const before = received.length;
    // act
    const gone = await handler({ Records: [await record(webhookId)] }, context);
    const next = await handler({ Records: [await record(webhookId)] }, context);
    // assess
    expect([gone.batchItemFailures, next.batchItemFailures]).toEqual([[], []]);
    expect(received.length - before).toBe(1);
    expect((await store.getEndpoint('c-instances', webhookId))?.health).toMatchObject({
      disabledReason: 'HTTP 410 Gone',
    });
    expect((await store.listDeliveries(webhookId)).map((delivery) => delivery.failureReason).sort()).toEqual([
      'endpoint-disabled',
      'endpoint-gone',
    ]);
  });

  it('sends an invalid message straight to the dead-letter queue, without retrying it', async () => {
    // prepare
    const handler = instance();
    const invalid = await record('unused', '{"not":"a delivery"}');
    // act
    const answer = await handler({ Records: [invalid] }, context);
    // assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(localSqs.queue('webhook-deliveries-dlq').messages.size).toBe(1);
  });
});
