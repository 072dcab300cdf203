import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from '../edge/server';
import { md5Hex } from '../sqs/checksums';
import { LocalSqs } from '../sqs/local-sqs';
import { LocalLambda } from './local-lambda';
import { startSqsEventSource, type SqsEventRecord } from './sqs-event-source';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const eventually = async (check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('SQS event source mappings on the local cloud', () => {
  let sqs: LocalSqs;
  let lambda: LocalLambda;
  let edge: RunningEdge;
  let client: SQSClient;
  let counter = 0;

  const setUpQueue = (visibilityTimeout = 0, maxReceiveCount = 3): { name: string; url: string; dlqUrl: string } => {
    counter += 1;
    const name = `work-${counter}`;
    const dlq = sqs.createQueue(`${name}-dlq`);
    sqs.createQueue(name, {
      VisibilityTimeout: String(visibilityTimeout),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
    });
    return { name, url: sqs.queueUrl(name), dlqUrl: dlq.url };
  };
  const depth = async (url: string): Promise<{ visible: number; inFlight: number }> => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  };

  beforeEach(async () => {
    sqs = new LocalSqs({ region: 'us-east-1' });
    lambda = new LocalLambda({ region: 'us-east-1' });
    edge = await startEdge({ services: [sqs, lambda] });
    sqs.setBaseUrl(edge.url);
    client = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterEach(async () => {
    client.destroy();
    await lambda.stop();
    sqs.stop();
    await edge.close();
  });

  it('hands a batch to the function as an SQS event, in its own environment, and deletes it on success', async () => {
    const { name, url } = setUpQueue();
    const seen: { records: SqsEventRecord[]; functionName?: string; table?: string }[] = [];
    lambda.register({
      name: 'consumer',
      environment: { TABLE_NAME: 'orders' },
      handler: async (event) => {
        seen.push({
          records: (event as { Records: SqsEventRecord[] }).Records,
          functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
          table: process.env.TABLE_NAME,
        });
      },
    });
    startSqsEventSource(sqs, lambda, {
      queue: name,
      functionName: 'consumer',
      batchSize: 10,
      reportBatchItemFailures: true,
    });

    await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"detail":{}}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } },
      }),
    );
    await eventually(async () => seen.length === 1 && (await depth(url)).inFlight === 0);

    const record = seen[0]?.records[0];
    expect(seen[0]).toMatchObject({ functionName: 'consumer', table: 'orders' });
    expect(record).toMatchObject({
      body: '{"detail":{}}',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      awsRegion: 'us-east-1',
      md5OfBody: md5Hex('{"detail":{}}'),
      messageAttributes: {
        kind: { stringValue: 'order', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1', SentTimestamp: expect.any(String) }),
    });
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('retries only the messages in batchItemFailures; after maxReceiveCount that one lands in the DLQ', async () => {
    const { name, url, dlqUrl } = setUpQueue(0, 3);
    const deliveries: string[] = [];
    lambda.register({
      name: 'picky',
      handler: async (event) => {
        const records = (event as { Records: SqsEventRecord[] }).Records;
        deliveries.push(...records.map((record) => record.body));
        return {
          batchItemFailures: records
            .filter((record) => record.body === 'bad')
            .map((record) => ({ itemIdentifier: record.messageId })),
        };
      },
    });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['good-1', 'bad', 'good-2'].map((body, index) => ({ Id: `m${index}`, MessageBody: body })),
      }),
    );

    startSqsEventSource(sqs, lambda, {
      queue: name,
      functionName: 'picky',
      batchSize: 10,
      reportBatchItemFailures: true,
    });
    await eventually(
      async () => (await depth(dlqUrl)).visible === 1 && (await depth(url)).visible + (await depth(url)).inFlight === 0,
    );

    const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(dead.Messages?.[0]?.Body).toBe('bad');
    expect(deliveries.filter((body) => body === 'bad')).toHaveLength(3);
    expect(deliveries.filter((body) => body.startsWith('good')).sort()).toEqual(['good-1', 'good-2']);
  });

  it('leaves the whole batch for retry through the visibility timeout when the invocation fails (injected fault)', async () => {
    const { name, url } = setUpQueue(1, 5);
    const receiveCounts: string[] = [];
    const errors: string[] = [];
    lambda.register({
      name: 'flaky',
      handler: async (event) => {
        receiveCounts.push(
          ...(event as { Records: SqsEventRecord[] }).Records.map(
            (record) => record.attributes.ApproximateReceiveCount as string,
          ),
        );
      },
    });
    lambda.injectFault('flaky', { failNext: 1 });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const started = Date.now();

    startSqsEventSource(
      sqs,
      lambda,
      { queue: name, functionName: 'flaky', batchSize: 10 },
      { onError: (error) => errors.push((error as Error).name) },
    );
    await eventually(async () => receiveCounts.length === 2 && (await depth(url)).inFlight === 0);

    expect(receiveCounts).toEqual(['2', '2']);
    expect(errors).toEqual(['SqsEventSourceBatchFailedError']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('treats a timed-out invocation as a failed batch', async () => {
    const { name, url } = setUpQueue(0, 5);
    let calls = 0;
    lambda.register({
      name: 'hangs-once',
      timeoutSeconds: 1,
      handler: async () => {
        calls += 1;
        if (calls === 1) await new Promise(() => undefined);
      },
    });
    const errors: string[] = [];
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));

    startSqsEventSource(
      sqs,
      lambda,
      { queue: name, functionName: 'hangs-once' },
      {
        onError: (error) =>
          errors.push(String((error as { invocationError?: { errorType: string } }).invocationError?.errorType)),
      },
    );
    await eventually(async () => calls === 2 && (await depth(url)).visible + (await depth(url)).inFlight === 0);

    expect(errors).toEqual(['Sandbox.Timedout']);
  });

  it('fails the whole batch when batchItemFailures names a message not in the batch', async () => {
    const { name, url } = setUpQueue(0, 2);
    const errors: string[] = [];
    let calls = 0;
    lambda.register({
      name: 'liar',
      handler: async () => {
        calls += 1;
        return calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message' }] } : {};
      },
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));

    startSqsEventSource(
      sqs,
      lambda,
      { queue: name, functionName: 'liar', reportBatchItemFailures: true },
      { onError: (error) => errors.push((error as Error).name) },
    );
    await eventually(async () => calls === 2 && (await depth(url)).inFlight === 0);

    expect(errors).toEqual(['SqsEventSourceInvalidBatchResponseError']);
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('never hands the function more than batchSize messages', async () => {
    const { name, url } = setUpQueue();
    const sizes: number[] = [];
    lambda.register({
      name: 'counter',
      handler: async (event) => {
        sizes.push((event as { Records: unknown[] }).Records.length);
      },
    });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [1, 2, 3, 4, 5].map((n) => ({ Id: `m${n}`, MessageBody: `${n}` })),
      }),
    );

    startSqsEventSource(sqs, lambda, { queue: name, functionName: 'counter', batchSize: 2 });
    await eventually(async () => sizes.reduce((sum, size) => sum + size, 0) === 5);

    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
  });

  it('stops at once, even in the middle of a long poll', async () => {
    const { name } = setUpQueue();
    lambda.register({ name: 'idle', handler: async () => undefined });
    const mapping = startSqsEventSource(sqs, lambda, { queue: name, functionName: 'idle' });
    await new Promise((resolve) => setTimeout(resolve, 50));

    // The mapping long-polls for 20 s and the test may run 10 s: only a stop that ends the poll returns in time.
    const stopping = mapping.stop();

    await expect(stopping).resolves.toBeUndefined();
  }, 10_000);
});
