import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  CancelMessageMoveTaskCommand,
  PurgeQueueCommand,
  SetQueueAttributesCommand,
  DeleteQueueCommand,
} from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalSqs } from './local-sqs';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('local SQS through the unmodified SDK v3 client', () => {
  let sqs: LocalSqs;
  let edge: RunningEdge;
  let client: SQSClient;
  let counter = 0;
  const fresh = (): string => {
    counter += 1;
    return `q${Date.now()}-${counter}`;
  };
  const create = async (attributes?: Record<string, string>, name = fresh()): Promise<string> =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
  const attributesOf = async (queueUrl: string): Promise<Record<string, string>> =>
    (await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ??
    {};
  const errorOf = (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: Error) => error,
    );

  beforeAll(async () => {
    sqs = new LocalSqs();
    edge = await startEdge({ services: [sqs] });
    sqs.setBaseUrl(edge.url);
    client = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    sqs.stop();
    await edge.close();
  });

  it('creates a queue idempotently with the same attributes and refuses different ones with QueueNameExists', async () => {
    const name = fresh();
    const url = await create({ VisibilityTimeout: '5' }, name);

    const again = await create({ VisibilityTimeout: '5' }, name);
    const error = await errorOf(create({ VisibilityTimeout: '6' }, name));

    expect(again).toBe(url);
    expect(url).toBe(`${edge.url}/000000000000/${name}`);
    expect(error.name).toBe('QueueNameExists');
    expect((await attributesOf(url)).VisibilityTimeout).toBe('5');
  });

  it('answers a missing queue with QueueDoesNotExist as the SDK models it', async () => {
    const error = await errorOf(client.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));

    expect(error.name).toBe('QueueDoesNotExist');
    expect((error as Error & { Code?: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('lists queues by prefix and with pages', async () => {
    const prefix = fresh();
    await create(undefined, `${prefix}-a`);
    await create(undefined, `${prefix}-b`);

    const all = await client.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    const page = await client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1 }));
    const next = await client.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1, NextToken: page.NextToken }),
    );

    expect(all.QueueUrls?.map((url) => url.split('/').at(-1))).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect([...(page.QueueUrls ?? []), ...(next.QueueUrls ?? [])]).toEqual(all.QueueUrls);
    expect(next.NextToken).toBeUndefined();
  });

  it('sends and receives a message with attributes; the SDK accepts the body checksums', async () => {
    const url = await create();

    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"hello":"wörld"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );

    const message = received.Messages?.[0];
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.Body).toBe('{"hello":"wörld"}');
    expect(message?.MessageAttributes?.kind?.StringValue).toBe('greeting');
    expect(Buffer.from(message?.MessageAttributes?.blob?.BinaryValue ?? [])).toEqual(Buffer.from([1, 2, 3]));
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  // The poll waits up to 20 s and the test may run 10 s: only a poll woken by the send can answer in time.
  it('answers a long poll on a send, before its wait time ends', async () => {
    const url = await create();

    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const answer = await polling;

    expect(answer.Messages?.[0]?.Body).toBe('wake up');
  }, 10_000);

  it('answers an empty long poll after the wait time with no messages', async () => {
    const url = await create();
    const started = Date.now();

    const answer = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    expect(answer.Messages).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  // As above: a 20 s poll inside a 10 s test answers only if the visibility timeout (1 s) woke it.
  it('answers a long poll as soon as a visibility timeout runs out', async () => {
    const url = await create({ VisibilityTimeout: '1' });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'retry me' }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    const answer = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 20,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );

    expect(answer.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  }, 10_000);

  it('reports depths, in-flight and delayed counts in the queue attributes', async () => {
    const url = await create();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'c', DelaySeconds: 60 }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    const attributes = await attributesOf(url);

    expect(attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${url.split('/').at(-1)}`,
      VisibilityTimeout: '30',
    });
  });

  it('receives and deletes in batches, reporting a malformed receipt handle as a failed entry', async () => {
    const url = await create();
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [1, 2, 3].map((n) => ({ Id: `m${n}`, MessageBody: `body ${n}` })),
      }),
    );

    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...(received.Messages ?? []).map((message, index) => ({
            Id: `d${index}`,
            ReceiptHandle: message.ReceiptHandle,
          })),
          { Id: 'bad', ReceiptHandle: 'garbage' },
        ],
      }),
    );

    expect(received.Messages?.map((message) => message.Body).sort()).toEqual(['body 1', 'body 2', 'body 3']);
    expect(deleted.Successful?.length).toBe(3);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect((await attributesOf(url)).ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('rejects a batch with repeated ids and sends none of it', async () => {
    const url = await create();

    const error = await errorOf(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', MessageBody: 'a' },
            { Id: 'x', MessageBody: 'b' },
          ],
        }),
      ),
    );

    expect(error.name).toBe('BatchEntryIdsNotDistinct');
    expect((await attributesOf(url)).ApproximateNumberOfMessages).toBe('0');
  });

  it('answers ChangeMessageVisibility on a message not in flight with MessageNotInflight', async () => {
    const url = await create();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const [message] = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    const error = await errorOf(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );

    expect(error.name).toBe('MessageNotInflight');
  });

  it('refuses an invalid attribute value and leaves the queue as it was', async () => {
    const url = await create();

    const error = await errorOf(
      client.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '-1', DelaySeconds: '5' } }),
      ),
    );

    expect(error.name).toBe('InvalidAttributeValue');
    expect((await attributesOf(url)).DelaySeconds).toBe('0');
  });

  it('moves a message to the DLQ after maxReceiveCount receives, and StartMessageMoveTask moves it back', async () => {
    const dlqUrl = await create();
    const dlqArn = (await attributesOf(dlqUrl)).QueueArn as string;
    const url = await create({
      VisibilityTimeout: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let receive = 0; receive < 3; receive += 1) await client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    const fourth = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const sources = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    const inDlq = (await attributesOf(dlqUrl)).ApproximateNumberOfMessages;
    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const tasks = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    const back = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );

    expect(fourth.Messages).toBeUndefined();
    expect(sources.queueUrls).toEqual([url]);
    expect(inDlq).toBe('1');
    expect(TaskHandle).toEqual(expect.any(String));
    expect(tasks.Results?.[0]).toMatchObject({
      Status: 'COMPLETED',
      SourceArn: dlqArn,
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 1,
    });
    expect(back.Messages?.[0]?.Body).toBe('poison');
    expect(back.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('moves to a DestinationArn at a limited rate, and a running task can be cancelled', async () => {
    const dlqUrl = await create();
    const dlqArn = (await attributesOf(dlqUrl)).QueueArn as string;
    await create({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
    const targetUrl = await create();
    const targetArn = (await attributesOf(targetUrl)).QueueArn as string;
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: [1, 2, 3].map((n) => ({ Id: `m${n}`, MessageBody: `m${n}` })),
      }),
    );

    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: dlqArn,
        DestinationArn: targetArn,
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cancelled = await client.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    const tasks = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));

    expect(cancelled.ApproximateNumberOfMessagesMoved).toBe(1);
    expect(tasks.Results?.[0]).toMatchObject({
      Status: 'CANCELLED',
      DestinationArn: targetArn,
      ApproximateNumberOfMessagesToMove: 3,
    });
    expect((await attributesOf(targetUrl)).ApproximateNumberOfMessages).toBe('1');
    expect((await attributesOf(dlqUrl)).ApproximateNumberOfMessages).toBe('2');
  });

  it('refuses StartMessageMoveTask from a queue that is no dead-letter queue', async () => {
    const url = await create();
    const arn = (await attributesOf(url)).QueueArn as string;

    const error = await errorOf(client.send(new StartMessageMoveTaskCommand({ SourceArn: arn })));

    expect(error.name).toBe('InvalidParameterValue');
  });

  it('purges and deletes a queue; a deleted queue no longer answers', async () => {
    const url = await create();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));

    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    const afterPurge = (await attributesOf(url)).ApproximateNumberOfMessages;
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    const error = await errorOf(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'x' })));

    expect(afterPurge).toBe('0');
    expect(error.name).toBe('QueueDoesNotExist');
  });

  it('answers an unknown action with UnknownOperationException instead of crashing', async () => {
    const response = await fetch(edge.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.TeleportMessage',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
