/**
 * Enforcement on the edge, through unmodified SDK v3 clients: a principal's access key maps to its role, the call
 * is evaluated against the role's statements, and a denial reaches the client as AWS words it. Other access keys
 * stay allowed, and enforcement can be turned off.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalS3 } from '../s3/local-s3';
import { LocalSqs } from '../sqs/local-sqs';
import { LocalIam, LocalPrincipalInvalidError, type LocalPrincipal } from './enforcer';
import type { PolicyStatement } from './evaluator';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const queueArn = (name: string): string => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

/** A role whose access key id is its name without hyphens (access keys are letters and digits). */
const principal = (roleName: string, statements: readonly PolicyStatement[]): LocalPrincipal => ({
  accessKeyId: keyOf(roleName),
  roleName,
  sessionName: roleName,
  statements,
});
const keyOf = (roleName: string): string => roleName.replaceAll('-', '');

describe('the edge enforces the policies of known principals', () => {
  let edge: RunningEdge;
  const sqs = new LocalSqs();
  const s3 = new LocalS3();
  const iam = new LocalIam({
    enforce: true,
    account: ACCOUNT,
    resources: {
      region: REGION,
      account: ACCOUNT,
      queueArn: (reference) => sqs.queueArn(reference.split('/').at(-1) ?? reference),
      redriveSourceArns: (dlqArn) => sqs.deadLetterSourceQueues(dlqArn).map((name) => sqs.queueArn(name)),
      secretArn: (id) => id,
    },
  });
  const clients: { destroy(): void }[] = [];
  const sqsAs = (accessKeyId: string): SQSClient => {
    const client = new SQSClient({
      endpoint: edge.url,
      region: REGION,
      credentials: { accessKeyId, secretAccessKey: 'local' },
    });
    clients.push(client);
    return client;
  };
  const s3As = (accessKeyId: string): S3Client => {
    const client = new S3Client({
      endpoint: edge.url,
      region: REGION,
      credentials: { accessKeyId, secretAccessKey: 'local' },
      forcePathStyle: true,
    });
    clients.push(client);
    return client;
  };
  const rejection = (promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> =>
    promise.then(
      () => {
        throw new Error('expected the call to be refused');
      },
      (error: Error) => error,
    );

  beforeAll(async () => {
    edge = await startEdge({ services: [sqs, s3], iam });
    sqs.setBaseUrl(edge.url);
    sqs.createQueue('orders-dlq');
    sqs.createQueue('orders', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('orders-dlq'), maxReceiveCount: 1 }),
    });
    sqs.createQueue('audit');
    s3.createBucket('receipts');
    iam.setPrincipals([
      principal('sender-fn', [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('audit') }]),
      principal('reader-fn', [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::receipts/*' },
      ]),
      principal('lister-fn', [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::receipts/*' },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::receipts' },
      ]),
      principal('redrive-without-send', [
        { Effect: 'Allow', Action: ['sqs:StartMessageMoveTask'], Resource: queueArn('orders-dlq') },
      ]),
      principal('redrive-with-send', [
        { Effect: 'Allow', Action: ['sqs:StartMessageMoveTask'], Resource: queueArn('orders-dlq') },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: queueArn('orders') },
      ]),
      principal('denied-explicitly', [
        { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
        { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: queueArn('audit') },
      ]),
    ]);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    sqs.stop();
    await edge.close();
  });

  it('answers a call its policy does not allow with AccessDenied naming the role, action and resource', async () => {
    const client = sqsAs(keyOf('sender-fn'));

    const error = await rejection(
      client.send(new SendMessageCommand({ QueueUrl: `${edge.url}/${ACCOUNT}/orders`, MessageBody: 'x' })),
    );

    expect(error.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/sender-fn/sender-fn is not authorized to perform: sqs:SendMessage on resource: ${queueArn('orders')} because no identity-based policy allows the sqs:SendMessage action`,
    );
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });

  it('lets through the call its policy allows', async () => {
    const client = sqsAs(keyOf('sender-fn'));

    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: `${edge.url}/${ACCOUNT}/audit`, MessageBody: 'x' }),
    );

    expect(sent.MessageId).toEqual(expect.any(String));
  });

  it('changes nothing when it refuses a call', async () => {
    const client = sqsAs(keyOf('sender-fn'));
    await rejection(
      client.send(new SendMessageCommand({ QueueUrl: `${edge.url}/${ACCOUNT}/orders`, MessageBody: 'refused' })),
    );

    const attributes = await sqsAs('test').send(
      new GetQueueAttributesCommand({
        QueueUrl: `${edge.url}/${ACCOUNT}/orders`,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );

    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('words an explicit Deny as AWS does', async () => {
    const error = await rejection(
      sqsAs(keyOf('denied-explicitly')).send(
        new SendMessageCommand({ QueueUrl: `${edge.url}/${ACCOUNT}/audit`, MessageBody: 'x' }),
      ),
    );

    expect(error.message).toMatch(
      /is not authorized to perform: sqs:SendMessage on resource: .*:audit with an explicit deny in an identity-based policy$/,
    );
  });

  it('allows every call signed with an access key it does not know (a developer CLI)', async () => {
    const created = await sqsAs('AKIAIOSFODNN7EXAMPLE').send(new CreateQueueCommand({ QueueName: 'scratch' }));

    expect(created.QueueUrl).toBe(`${edge.url}/${ACCOUNT}/scratch`);
  });

  it('refuses S3 GetObject with 403 AccessDenied when the role has no s3:GetObject', async () => {
    await s3As('test').send(new PutObjectCommand({ Bucket: 'receipts', Key: 'r/1.pdf', Body: 'pdf' }));

    const error = await rejection(
      s3As(keyOf('sender-fn')).send(new GetObjectCommand({ Bucket: 'receipts', Key: 'r/1.pdf' })),
    );

    expect([error.name, error.$metadata?.httpStatusCode, error.message]).toEqual([
      'AccessDenied',
      403,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/sender-fn/sender-fn is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::receipts/r/1.pdf because no identity-based policy allows the s3:GetObject action`,
    ]);
  });

  it('answers HeadObject of a missing key with 403 when the role lacks s3:ListBucket on the bucket', async () => {
    const error = await rejection(
      s3As(keyOf('reader-fn')).send(new HeadObjectCommand({ Bucket: 'receipts', Key: 'r/missing.pdf' })),
    );

    expect(error.$metadata?.httpStatusCode).toBe(403);
  });

  it('answers HeadObject of a missing key with 404 NotFound when the role has s3:ListBucket', async () => {
    const error = await rejection(
      s3As(keyOf('lister-fn')).send(new HeadObjectCommand({ Bucket: 'receipts', Key: 'r/missing.pdf' })),
    );

    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['NotFound', 404]);
  });

  it('answers GetObject of a missing key with 403 AccessDenied naming s3:ListBucket when the role lacks it', async () => {
    const error = await rejection(
      s3As(keyOf('reader-fn')).send(new GetObjectCommand({ Bucket: 'receipts', Key: 'r/missing.pdf' })),
    );

    expect(error).toBeInstanceOf(S3ServiceException);
    expect([error.name, error.message]).toEqual([
      'AccessDenied',
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader-fn/reader-fn is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::receipts" because no identity-based policy allows the s3:ListBucket action`,
    ]);
  });

  it('refuses a redrive back to the source queues when the role may not send to them', async () => {
    const error = await rejection(
      sqsAs(keyOf('redrive-without-send')).send(new StartMessageMoveTaskCommand({ SourceArn: queueArn('orders-dlq') })),
    );

    expect(error.message).toContain(`not authorized to perform: sqs:SendMessage on resource: ${queueArn('orders')}`);
  });

  it('starts a redrive back to the source queues when the role may send to them', async () => {
    const task = await sqsAs(keyOf('redrive-with-send')).send(
      new StartMessageMoveTaskCommand({ SourceArn: queueArn('orders-dlq') }),
    );

    expect(task.TaskHandle).toEqual(expect.any(String));
  });

  it('refuses a principal whose access key DynamoDB Local would refuse, and two roles sharing one key', () => {
    const shared = [principal('a-fn', []), { ...principal('b-fn', []), accessKeyId: keyOf('a-fn') }];

    expect(() => iam.setPrincipals([{ ...principal('x-fn', []), accessKeyId: 'x-fn' }])).toThrow(
      LocalPrincipalInvalidError,
    );
    expect(() => iam.setPrincipals(shared)).toThrow(LocalPrincipalInvalidError);
    expect(iam.principals().map((p) => p.roleName)).toContain('sender-fn');
  });

  it('evaluates nothing when enforcement is off', async () => {
    const off = new LocalIam({
      enforce: false,
      account: ACCOUNT,
      principals: [principal('nothing-fn', [])],
      resources: { region: REGION, account: ACCOUNT, queueArn, redriveSourceArns: () => [], secretArn: (id) => id },
    });
    const offEdge = await startEdge({ services: [sqs], iam: off });
    const client = new SQSClient({
      endpoint: offEdge.url,
      region: REGION,
      credentials: { accessKeyId: keyOf('nothing-fn'), secretAccessKey: 'local' },
    });
    try {
      const received = await client.send(
        new ReceiveMessageCommand({ QueueUrl: `${offEdge.url}/${ACCOUNT}/audit`, WaitTimeSeconds: 0 }),
      );

      expect(received.$metadata.httpStatusCode).toBe(200);
    } finally {
      client.destroy();
      await offEdge.close();
    }
  });
});
