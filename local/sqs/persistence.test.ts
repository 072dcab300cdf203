import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startEdge } from '../edge/server';
import { LocalSqs } from './local-sqs';
import { fileMessagePersistence } from './persistence';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * One run of the local SQS over `dir`, served on an edge and used through the unmodified SQS client; the run ends
 * without a graceful step (nothing is flushed at the end), as a kill -9 ends it.
 */
const run = async <T>(dir: string, use: (client: SQSClient, queueUrl: (name: string) => string) => Promise<T>) => {
  const sqs = new LocalSqs({ persistence: fileMessagePersistence(dir) });
  const edge = await startEdge({ services: [sqs] });
  sqs.setBaseUrl(edge.url);
  const client = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  try {
    await client.send(new CreateQueueCommand({ QueueName: 'receipts' }));
    await client.send(new CreateQueueCommand({ QueueName: 'email-dlq' }));
    await client.send(
      new CreateQueueCommand({
        QueueName: 'email',
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: sqs.queueArn('email-dlq'),
            maxReceiveCount: 1,
          }),
        },
      }),
    );
    return await use(client, (name) => sqs.queueUrl(name));
  } finally {
    client.destroy();
    sqs.stop();
    await edge.close();
  }
};

const receive = (client: SQSClient, queueUrl: string, visibility?: number) =>
  client
    .send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      }),
    )
    .then((answer) => answer.Messages ?? []);

describe('the local SQS with a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recovery-sqs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers after a restart every message that was not deleted, in flight or not, with its attributes', async () => {
    // prepare: three sent; one deleted, two received and in flight when the run ends
    await run(dir, async (client, url) => {
      for (const body of ['deleted', 'in flight', 'in flight too'])
        await client.send(
          new SendMessageCommand({
            QueueUrl: url('receipts'),
            MessageBody: body,
            MessageAttributes: { kind: { DataType: 'String', StringValue: body } },
          }),
        );
      const [first] = await receive(client, url('receipts'), 0).then((all) => all.filter((m) => m.Body === 'deleted'));
      await client.send(new DeleteMessageCommand({ QueueUrl: url('receipts'), ReceiptHandle: first.ReceiptHandle }));
      const inFlight = await receive(client, url('receipts'));
      expect(inFlight.map((message) => message.Body).sort()).toEqual(['in flight', 'in flight too']);
    });
    // act
    const after = await run(dir, (client, url) => receive(client, url('receipts')));
    // assess
    const kept = after.map((message) => `${message.Body} (${message.MessageAttributes?.kind?.StringValue})`);
    expect(kept.sort()).toEqual(['in flight (in flight)', 'in flight too (in flight too)']);
  });

  it('keeps a message moved to the dead-letter queue there, and not in its source queue', async () => {
    // prepare: maxReceiveCount 1, so the second receive moves the message
    await run(dir, async (client, url) => {
      await client.send(new SendMessageCommand({ QueueUrl: url('email'), MessageBody: 'poison' }));
      await receive(client, url('email'), 0);
      await receive(client, url('email'), 0);
    });
    // act
    const [source, dlq] = await run(dir, async (client, url) => [
      await receive(client, url('email')),
      await receive(client, url('email-dlq')),
    ]);
    // assess
    expect([source.length, dlq.map((message) => message.Body)]).toEqual([0, ['poison']]);
  });

  it('keeps nothing of a purged queue, and skips a line torn by a crash mid-write', async () => {
    // prepare
    await run(dir, async (client, url) => {
      await client.send(new SendMessageCommand({ QueueUrl: url('email'), MessageBody: 'purged' }));
      await client.send(new PurgeQueueCommand({ QueueUrl: url('email') }));
      await client.send(new SendMessageCommand({ QueueUrl: url('email'), MessageBody: 'kept' }));
    });
    appendFileSync(join(dir, 'email.jsonl'), '{"put":{"messageId":"torn","bo');
    // act
    const after = await run(dir, (client, url) => receive(client, url('email')));
    // assess
    expect(after.map((message) => message.Body)).toEqual(['kept']);
  });

  it('rewrites a journal to its live messages when it is loaded', async () => {
    // prepare: ten sent and deleted, one left
    await run(dir, async (client, url) => {
      for (let index = 0; index < 10; index += 1) {
        await client.send(new SendMessageCommand({ QueueUrl: url('email'), MessageBody: `done ${index}` }));
        const [message] = await receive(client, url('email'));
        await client.send(new DeleteMessageCommand({ QueueUrl: url('email'), ReceiptHandle: message.ReceiptHandle }));
      }
      await client.send(new SendMessageCommand({ QueueUrl: url('email'), MessageBody: 'left' }));
    });
    // act
    await run(dir, async () => undefined);
    // assess
    const lines = readFileSync(join(dir, 'email.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { put: { body: string } }).put.body)).toEqual(['left']);
  });
});
