/**
 * The SQS query protocol through an unmodified client that speaks only it: the AWS CLI v2 from Debian
 * (`apt-get install awscli`, 2.9.19, botocore before SQS's JSON switch). It runs as a separate process against an
 * edge serving the local SQS, with IAM enforcing one principal's policy.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalIam } from '../iam/enforcer';
import { LocalSqs } from './local-sqs';

const DEBIAN_AWS_CLI = process.env.AWS_CLI_V2_DEBIAN ?? '/usr/bin/aws';
const ACCOUNT = '000000000000';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Outside CI a machine without the Debian CLI skips these tests; in CI (.ci/run installs awscli) a missing CLI fails.
const cliInstalled = existsSync(DEBIAN_AWS_CLI);
const describeWithCli = cliInstalled || process.env.CI === 'true' ? describe : describe.skip;

describeWithCli('the SQS query protocol, through the AWS CLI v2 from Debian', () => {
  beforeAll(() => {
    if (!cliInstalled)
      throw new Error(`CI=true but the AWS CLI v2 is not at ${DEBIAN_AWS_CLI} (apt-get install awscli)`);
  });
  let edge: RunningEdge;
  const sqs = new LocalSqs();
  const iam = new LocalIam({
    enforce: true,
    account: ACCOUNT,
    principals: [
      {
        accessKeyId: 'readonlyfn',
        roleName: 'read-only-fn',
        sessionName: 'read-only',
        statements: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' }],
      },
    ],
    resources: {
      region: 'us-east-1',
      account: ACCOUNT,
      queueArn: (reference) => sqs.queueArn(reference.split('/').at(-1) ?? reference),
      redriveSourceArns: () => [],
      secretArn: (id) => id,
    },
  });
  const scratch = mkdtempSync(join(tmpdir(), 'sqs-query-'));

  const aws = (args: readonly string[], accessKeyId = 'test'): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        DEBIAN_AWS_CLI,
        ['--endpoint-url', edge.url, '--output', 'json', 'sqs', ...args],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: scratch,
            AWS_ACCESS_KEY_ID: accessKeyId,
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_PAGER: '',
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
  const json = (result: CliResult): Record<string, unknown> => JSON.parse(result.stdout) as Record<string, unknown>;
  const queueUrl = (name: string): string => `${edge.url}/${ACCOUNT}/${name}`;

  beforeAll(async () => {
    // A free port: a fixed one collides with whatever else runs on the machine.
    edge = await startEdge({ services: [sqs], iam });
    sqs.setBaseUrl(edge.url);
  });
  afterAll(async () => {
    sqs.stop();
    await edge.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a queue with attributes and answers its URL', async () => {
    const created = await aws(['create-queue', '--queue-name', 'cli-orders', '--attributes', 'VisibilityTimeout=20']);

    expect([created.code, json(created).QueueUrl]).toEqual([0, queueUrl('cli-orders')]);
    expect(sqs.getQueueAttributes(queueUrl('cli-orders'), ['VisibilityTimeout'])).toEqual({ VisibilityTimeout: '20' });
  });

  it('sends a message with an attribute and receives it back, MD5s checked by the CLI', async () => {
    await aws(['create-queue', '--queue-name', 'cli-roundtrip']);
    await aws([
      'send-message',
      '--queue-url',
      queueUrl('cli-roundtrip'),
      '--message-body',
      'hello query',
      '--message-attributes',
      '{"kind":{"DataType":"String","StringValue":"demo"}}',
    ]);

    const received = await aws([
      'receive-message',
      '--queue-url',
      queueUrl('cli-roundtrip'),
      '--message-attribute-names',
      'All',
      '--attribute-names',
      'All',
    ]);
    const [message] = json(received).Messages as {
      Body: string;
      MessageAttributes: Record<string, { StringValue: string }>;
      Attributes: Record<string, string>;
    }[];

    expect([
      received.code,
      message?.Body,
      message?.MessageAttributes.kind?.StringValue,
      message?.Attributes.ApproximateReceiveCount,
    ]).toEqual([0, 'hello query', 'demo', '1']);
  });

  it('sends a batch and answers every entry', async () => {
    await aws(['create-queue', '--queue-name', 'cli-batch']);

    const batch = await aws([
      'send-message-batch',
      '--queue-url',
      queueUrl('cli-batch'),
      '--entries',
      'Id=a,MessageBody=one',
      'Id=b,MessageBody=two',
    ]);

    expect((json(batch).Successful as { Id: string }[]).map((entry) => entry.Id)).toEqual(['a', 'b']);
  });

  it('lists queues by prefix', async () => {
    await aws(['create-queue', '--queue-name', 'cli-listed']);

    const listed = await aws(['list-queues', '--queue-name-prefix', 'cli-listed']);

    expect(json(listed).QueueUrls).toEqual([queueUrl('cli-listed')]);
  });

  it('answers a missing queue with the query error code AWS.SimpleQueueService.NonExistentQueue', async () => {
    const missing = await aws(['get-queue-url', '--queue-name', 'cli-nothing-here']);

    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.',
    );
  });

  it('answers a call the role may not make with AccessDenied, in the query protocol', async () => {
    await aws(['create-queue', '--queue-name', 'cli-guarded']);

    const denied = await aws(
      ['send-message', '--queue-url', queueUrl('cli-guarded'), '--message-body', 'x'],
      'readonlyfn',
    );

    expect(denied.stderr).toContain(
      `An error occurred (AccessDenied) when calling the SendMessage operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/read-only-fn/read-only is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:cli-guarded`,
    );
  });

  it('accepts a 1 MiB message and refuses one byte more, in AWS words', async () => {
    await aws(['create-queue', '--queue-name', 'cli-large']);
    writeFileSync(join(scratch, 'max.txt'), 'x'.repeat(1024 * 1024));
    writeFileSync(join(scratch, 'over.txt'), 'x'.repeat(1024 * 1024 + 1));

    const max = await aws([
      'send-message',
      '--queue-url',
      queueUrl('cli-large'),
      '--message-body',
      `file://${join(scratch, 'max.txt')}`,
    ]);
    const over = await aws([
      'send-message',
      '--queue-url',
      queueUrl('cli-large'),
      '--message-body',
      `file://${join(scratch, 'over.txt')}`,
    ]);

    expect(max.code).toBe(0);
    expect(over.stderr).toContain(
      'An error occurred (InvalidParameterValue) when calling the SendMessage operation: One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
    );
  });
});
