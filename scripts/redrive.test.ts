import { execFile } from 'node:child_process';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterQueueUnknownError } from '../api/routes/admin-dlqs';
import { startEdge } from '@order-platform/local-cloud/edge';
import type { RunningEdge } from '@order-platform/local-cloud/edge';
import { LocalSqs } from '@order-platform/local-cloud/sqs';
import { main, parseRedriveArgs, redrive, REDRIVE_USAGE, RedriveUsageError, sqsConfigFor } from './redrive';

describe('redrive arguments', () => {
  it('takes the queue, --prefix and --wait', () => {
    expect(parseRedriveArgs(['webhook-deliveries-dlq', '--prefix', 'orders-dev', '--wait'], {})).toEqual({
      queue: 'webhook-deliveries-dlq',
      prefix: 'orders-dev',
      wait: true,
    });
  });

  it('derives the prefix from TABLE_NAME when neither --prefix nor RESOURCE_PREFIX is given', () => {
    expect(parseRedriveArgs(['email'], { TABLE_NAME: 'orders-dev-orders' })).toMatchObject({ prefix: 'orders-dev' });
    expect(parseRedriveArgs(['email'], { TABLE_NAME: 'local-orders', RESOURCE_PREFIX: 'orders-prod' })).toMatchObject({
      prefix: 'orders-prod',
    });
  });

  it.each([[[]], [['a', 'b']], [['email', '--bogus']], [['email', '--prefix']]])(
    'refuses %j with the usage',
    (argv) => {
      expect(() => parseRedriveArgs(argv, {})).toThrow(RedriveUsageError);
    },
  );

  it('defaults to the local platform prefix when no stage and no AWS settings are given (the README command)', () => {
    expect(parseRedriveArgs(['email-dlq', '--wait'], {})).toEqual({ queue: 'email-dlq', prefix: 'local', wait: true });
  });

  it('still asks for the prefix when the environment names an AWS target but no stage', () => {
    expect(() => parseRedriveArgs(['email-dlq'], { AWS_REGION: 'eu-west-1' })).toThrow(/stage prefix is unknown/);
  });

  it('answers help for --help', () => {
    expect(parseRedriveArgs(['--help'], {})).toBe('help');
  });
});

describe('redrive target', () => {
  it('points the SQS client at the local edge with a region and dummy credentials when nothing is configured', () => {
    expect(sqsConfigFor({})).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  it('follows EDGE_PORT to the local edge', () => {
    expect(sqsConfigFor({ EDGE_PORT: '4690' }).endpoint).toBe('http://127.0.0.1:4690');
  });

  it('leaves an AWS target to the SDK environment', () => {
    expect(sqsConfigFor({ AWS_PROFILE: 'prod' })).toEqual({});
  });
});

describe('redrive command output', () => {
  it('prints the usage and succeeds for --help', async () => {
    // prepare
    const out: string[] = [];
    // act
    const code = await main(
      ['--help'],
      {},
      (line) => out.push(line),
      () => undefined,
    );
    // assess
    expect(code).toBe(0);
    expect(out.join('\n')).toBe(REDRIVE_USAGE);
  });

  it('says the local platform is not running when nothing answers at the edge', async () => {
    // prepare: a port nothing listens on
    const errors: string[] = [];
    // act
    const code = await main(
      ['email-dlq'],
      { EDGE_PORT: '9' },
      () => undefined,
      (line) => errors.push(line),
    );
    // assess
    expect(code).toBe(1);
    expect(errors.at(-1)).toBe(
      'failed: nothing answers at http://127.0.0.1:9; start the platform with npm start (or set EDGE_PORT to its edge port)',
    );
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
    client = new SQSClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const dlq = sqs.createQueue('t-webhook-deliveries-dlq', {});
    sqs.createQueue('t-webhook-deliveries', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
    });
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
    expect(outcome).toMatchObject({
      queueName: 't-webhook-deliveries-dlq',
      messagesBefore: 1,
      status: 'COMPLETED',
      moved: 1,
    });
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

describe('npm run redrive as the README writes it', () => {
  let sqs: LocalSqs;
  let edge: RunningEdge;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = new LocalSqs();
    edge = await startEdge({ services: [sqs] });
    sqs.setBaseUrl(edge.url);
    client = new SQSClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const dlq = sqs.createQueue('local-email-dlq', {});
    sqs.createQueue('local-email', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
    });
  });
  afterAll(async () => {
    client.destroy();
    sqs.stop();
    await edge.close();
  });

  it('moves the dead letters of email-dlq with no AWS env, printing progress and a one-line summary', async () => {
    // prepare: two dead letters; an environment without any AWS setting, only the edge port of this test
    const source = sqs.queueUrl('local-email', edge.url);
    for (const body of ['m1', 'm2']) await client.send(new SendMessageCommand({ QueueUrl: source, MessageBody: body }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: source, VisibilityTimeout: 0, MaxNumberOfMessages: 10 }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: source, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, EDGE_PORT: String(edge.port) };
    // act
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        `${__dirname}/../node_modules/.bin/tsx`,
        ['scripts/redrive.ts', 'email-dlq', '--wait'],
        { cwd: `${__dirname}/..`, env, timeout: 60_000 },
        (error, stdout, stderr) =>
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    // assess
    // stderr may carry the SDK's Node-version notice on Node 20; no failure may be reported there
    expect(run.stderr).not.toMatch(/^(failed|redrive failed|still running)/m);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`redrive email-dlq (prefix local) on the local platform at http://127.0.0.1:${edge.port}`);
    expect(lines).toContain('  local-email-dlq: 2 messages waiting; move started');
    expect(lines.at(-1)).toMatch(/^done: moved 2 messages from local-email-dlq back to the source queue in \d+\.\d s$/);
  }, 70_000);
});
