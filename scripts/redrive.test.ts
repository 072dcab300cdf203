import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterQueueUnknownError } from '../api/routes/admin-dlqs';
import { startEdge } from '@order-platform/local-cloud/edge';
import type { RunningEdge } from '@order-platform/local-cloud/edge';
import { LocalSqs } from '@order-platform/local-cloud/sqs';
import { parseRedriveArgs, redrive, RedriveUsageError } from './redrive';

describe('redrive arguments', () => {
  it('takes the queue, --prefix and --wait', () => {
    expect(parseRedriveArgs(['webhook-deliveries-dlq', '--prefix', 'orders-dev', '--wait'], {})).toEqual({ queue: 'webhook-deliveries-dlq', prefix: 'orders-dev', wait: true });
  });

  it('derives the prefix from TABLE_NAME when neither --prefix nor RESOURCE_PREFIX is given', () => {
    expect(parseRedriveArgs(['email'], { TABLE_NAME: 'local-orders' }).prefix).toBe('local');
    expect(parseRedriveArgs(['email'], { TABLE_NAME: 'local-orders', RESOURCE_PREFIX: 'orders-prod' }).prefix).toBe('orders-prod');
  });

  it.each([[[]], [['a', 'b']], [['email', '--bogus']], [['email', '--prefix']], [['email']]])('refuses %j with the usage', (argv) => {
    expect(() => parseRedriveArgs(argv, {})).toThrow(RedriveUsageError);
  });
});

describe('redrive against the local SQS', () => {
  let sqs: LocalSqs;
  let edge: RunningEdge;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = new LocalSqs();
    edge = await startEdge({ services: [sqs] });
    sqs.setBaseUrl(edge.url);
    client = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const dlq = sqs.createQueue('t-webhook-deliveries-dlq', {});
    sqs.createQueue('t-webhook-deliveries', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) });
  });
  afterAll(async () => {
    client.destroy();
    sqs.stop();
    await edge.close();
  });

  it('moves a dead letter back to its source queue', async () => {
    // prepare: a message received once and not deleted moves to the DLQ on the next receive
    const source = sqs.queueUrl('t-webhook-deliveries', edge.url);
    await client.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'm1' }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: source, VisibilityTimeout: 0 }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: source, WaitTimeSeconds: 0 }));
    // act
    const outcome = await redrive(client, { queue: 'webhook-deliveries', prefix: 't', wait: true });
    // assess
    expect(outcome).toMatchObject({ queueName: 't-webhook-deliveries-dlq', messagesBefore: 1, status: 'COMPLETED', moved: 1 });
    const back = await client.send(new ReceiveMessageCommand({ QueueUrl: source, WaitTimeSeconds: 1 }));
    expect(back.Messages?.map((message) => message.Body)).toEqual(['m1']);
  });

  it('names the known queues for an unknown one and moves nothing', async () => {
    expect.assertions(2);
    try {
      await redrive(client, { queue: 'nope', prefix: 't', wait: false });
    } catch (error) {
      expect(error).toBeInstanceOf(DeadLetterQueueUnknownError);
      expect((error as Error).message).toContain('webhook-deliveries-dlq');
    }
  });
});
