/**
 * The trace header across the local hops, through the unmodified SDK clients on the edge: PutEvents (entry
 * TraceHeader, else the request's X-Amzn-Trace-Id) -> rule -> SQS (AWSTraceHeader) -> event source mapping -> Lambda
 * (_X_AMZN_TRACE_ID under a function segment), and SendMessage's header fallback.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalEventBridge } from '../eventbridge/local-event-bridge';
import { LocalLambda } from '../lambda/local-lambda';
import { startSqsEventSource } from '../lambda/sqs-event-source';
import { LocalSqs } from '../sqs/local-sqs';
import { parseTraceHeader } from './trace-header';
import { TraceStore } from './trace-store';
import { createLambdaTracing } from './lambda-tracing';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TRACE = '1-65f00000-0123456789abcdef01234567';
const OTHER = '1-65f00001-0123456789abcdef01234567';
const header = (trace: string, parent: string): string => `Root=${trace};Parent=${parent};Sampled=1`;

describe('trace header propagation between the local services', () => {
  let sqs: LocalSqs;
  let lambda: LocalLambda;
  let bus: LocalEventBridge;
  let edge: RunningEdge;
  let store: TraceStore;
  let events: EventBridgeClient;
  let queueClient: SQSClient;
  let seen: { traceHeader: string | undefined; bodies: string[] }[];

  beforeEach(async () => {
    store = new TraceStore();
    seen = [];
    sqs = new LocalSqs({ region: 'us-east-1' });
    lambda = new LocalLambda({
      region: 'us-east-1',
      baseEnvironment: {},
      tracing: createLambdaTracing({ emit: (document) => store.add([document]), daemonAddress: '127.0.0.1:9' }),
    });
    bus = new LocalEventBridge({
      region: 'us-east-1',
      sink: {
        deliver: async ({ arn, input, traceHeader }) =>
          void (await sqs.sendMessage(arn.split(':').at(-1) ?? '', input, { traceHeader })),
      },
    });
    edge = await startEdge({ services: [sqs, lambda, bus] });
    sqs.setBaseUrl(edge.url);
    sqs.createQueue('work', { VisibilityTimeout: '5' });
    sqs.createQueue('plain');
    bus.createEventBus('orders');
    bus.putRule({
      Name: 'to-work',
      EventBusName: 'orders',
      EventPattern: JSON.stringify({ source: ['orders.platform'] }),
    });
    bus.putTargets('to-work', 'orders', [{ Id: 'work', Arn: sqs.queueArn('work') }]);
    lambda.register({
      name: 'consumer',
      handler: async (event: unknown) => {
        seen.push({
          traceHeader: process.env._X_AMZN_TRACE_ID,
          bodies: (event as { Records: { body: string }[] }).Records.map((record) => record.body),
        });
        return { batchItemFailures: [] };
      },
    });
    events = new EventBridgeClient({ endpoint: edge.url, region: 'us-east-1', credentials });
    queueClient = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterEach(async () => {
    events.destroy();
    queueClient.destroy();
    bus.stop();
    await bus.drain();
    await lambda.stop();
    sqs.stop();
    await edge.close();
  });

  const consumed = async (count: number): Promise<void> => {
    for (let i = 0; i < 250 && seen.length < count; i += 1)
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
  };

  it("carries a PutEvents entry's TraceHeader through the rule and the queue to the consumer's function segment", async () => {
    startSqsEventSource(sqs, lambda, {
      queue: 'work',
      functionName: 'consumer',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
    });

    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'orders',
            Source: 'orders.platform',
            DetailType: 'order.created',
            Detail: '{}',
            TraceHeader: header(TRACE, 'aaaaaaaaaaaaaaaa'),
          },
        ],
      }),
    );
    await consumed(1);

    const handlerContext = parseTraceHeader(seen[0]?.traceHeader);
    const [functionSegment] = (store.getTrace(TRACE)?.Segments ?? []).map(
      (segment) => JSON.parse(segment.Document) as Record<string, unknown>,
    );
    expect(handlerContext).toEqual({ traceId: TRACE, parentId: functionSegment?.id, sampled: true });
    expect(functionSegment).toMatchObject({
      name: 'consumer',
      parent_id: 'aaaaaaaaaaaaaaaa',
      origin: 'AWS::Lambda::Function',
    });
  });

  it("continues the request's X-Amzn-Trace-Id when a PutEvents entry has no TraceHeader", async () => {
    events.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = header(
          TRACE,
          'bbbbbbbbbbbbbbbb',
        );
        return next(args);
      },
      { step: 'build', name: 'traceHeaderForTest' },
    );

    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'orders', Source: 'orders.platform', DetailType: 'order.created', Detail: '{}' }],
      }),
    );
    await bus.drain();
    const received = await queueClient.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('work'), MessageSystemAttributeNames: ['AWSTraceHeader'] }),
    );

    expect(received.Messages?.[0]?.Attributes?.AWSTraceHeader).toBe(header(TRACE, 'bbbbbbbbbbbbbbbb'));
  });

  it("keeps SendMessage's AWSTraceHeader attribute over the request header, and takes the header when the message has none", async () => {
    queueClient.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = header(
          OTHER,
          'cccccccccccccccc',
        );
        return next(args);
      },
      { step: 'build', name: 'traceHeaderForTest' },
    );

    await queueClient.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl('plain'),
        MessageBody: 'own',
        MessageSystemAttributes: {
          AWSTraceHeader: { DataType: 'String', StringValue: header(TRACE, 'dddddddddddddddd') },
        },
      }),
    );
    await queueClient.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('plain'), MessageBody: 'fallback' }));
    const received = await queueClient.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl('plain'),
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['AWSTraceHeader'],
      }),
    );

    const byBody = new Map(
      (received.Messages ?? []).map((message) => [message.Body, message.Attributes?.AWSTraceHeader]),
    );
    expect(byBody.get('own')).toBe(header(TRACE, 'dddddddddddddddd'));
    expect(byBody.get('fallback')).toBe(header(OTHER, 'cccccccccccccccc'));
  });

  it("continues the first traced message's header for a batch, as Lambda does", async () => {
    await sqs.sendMessage('work', 'untraced');
    await sqs.sendMessage('work', 'first traced', { traceHeader: header(TRACE, 'eeeeeeeeeeeeeeee') });
    await sqs.sendMessage('work', 'second traced', { traceHeader: header(OTHER, 'ffffffffffffffff') });

    startSqsEventSource(sqs, lambda, {
      queue: 'work',
      functionName: 'consumer',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
    });
    await consumed(1);

    expect(seen[0]?.bodies).toEqual(['untraced', 'first traced', 'second traced']);
    expect(parseTraceHeader(seen[0]?.traceHeader)?.traceId).toBe(TRACE);
  });
});
