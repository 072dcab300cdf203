/**
 * The platform's own AWS calls against the roles as the stack synthesises them (modules/role-policies.ts), through
 * the local cloud's edge with IAM enforced. Calls that only work with grants the first deployments lacked:
 *  - the DLQ redrive (StartMessageMoveTask without a destination) sends each message back to its source queue as
 *    the caller, so it needs sqs:SendMessage on the source queues (sid RedriveToSourceQueues);
 *  - the receipt check (HeadObject of a receipt not written yet) answers 404 only with s3:ListBucket on the bucket
 *    (sid ReceiptsExist); without it S3 answers 403 and the route would fail instead of saying "not ready".
 *  - deliver-webhook's retry backoff looks its queue up (GetQueueUrl) before ChangeMessageVisibility; its role had
 *    only the consumer actions, so in AWS the backoff failed (logged, swallowed) and retries came at the visibility
 *    timeout instead of 1, 2, 4 s.
 * Each is shown allowed with the role as deployed and refused with the role minus that grant.
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalResources } from '@order-platform/local-cloud';
import { startEdge, type RunningEdge } from '@order-platform/local-cloud/edge';
import { LocalIam, type LocalPrincipal, type PolicyStatement } from '@order-platform/local-cloud/iam';
import { LocalS3 } from '@order-platform/local-cloud/s3';
import { LocalSqs } from '@order-platform/local-cloud/sqs';
import { locateDeadLetterQueue, startRedrive } from '../../api/routes/admin-dlqs';
import { buckets, deadLetterQueueName, failureQueues, physicalName, queues } from '../../core/platform/resources';
import { platformPrincipals } from './description';

const PREFIX = 'local';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const name = (logical: string): string => physicalName(PREFIX, logical);

describe("the platform's calls against its roles, enforced by the local cloud", () => {
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
      redriveSourceArns: (dlqArn) => sqs.deadLetterSourceQueues(dlqArn).map((queue) => sqs.queueArn(queue)),
      secretArn: (id) => id,
    },
  });
  const clients: { destroy(): void }[] = [];
  let apiRole: LocalPrincipal;
  let deliverRole: LocalPrincipal;

  /** The API task role with one statement removed, signing with its own key. */
  const withoutStatement = (sid: string): LocalPrincipal => {
    const statements: PolicyStatement[] = apiRole.statements.filter((statement) => statement.Sid !== sid);
    return { ...apiRole, accessKeyId: `${apiRole.accessKeyId}without${sid}`, statements };
  };
  /** A consumer role as it was before its queue lookup was granted: ConsumeQueues without sqs:GetQueueUrl. */
  const withoutQueueLookup = (role: LocalPrincipal): LocalPrincipal => ({
    ...role,
    accessKeyId: `${role.accessKeyId}withoutGetQueueUrl`,
    statements: role.statements.map((statement) => ({
      ...statement,
      Action: [statement.Action ?? []].flat().filter((action) => action !== 'sqs:GetQueueUrl'),
    })),
  });
  /** What deliver-webhook does after a failed attempt: look the queue up by its event source ARN, then back off. */
  const backOff = async (client: SQSClient): Promise<void> => {
    const queueUrl = sqs.queueUrl(name('webhook-deliveries'), edge.url);
    await sqs.sendMessage(queueUrl, 'delivery');
    // The event source mapping receives as the function's role, as Lambda does.
    const [message] = (await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages ?? [];
    const [, , , , account, queueName] = `arn:aws:sqs:${REGION}:${ACCOUNT}:${name('webhook-deliveries')}`.split(':');
    const looked =
      (await client.send(new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }))).QueueUrl ??
      '';
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: looked,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 2,
      }),
    );
  };
  const sqsAs = (principal: LocalPrincipal): SQSClient => {
    const client = new SQSClient({
      endpoint: edge.url,
      region: REGION,
      credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: 'local' },
    });
    clients.push(client);
    return client;
  };
  const s3As = (principal: LocalPrincipal): S3Client => {
    const client = new S3Client({
      endpoint: edge.url,
      region: REGION,
      credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: 'local' },
      forcePathStyle: true,
    });
    clients.push(client);
    return client;
  };
  const receiptsBucket = name(buckets[0].name);

  beforeAll(async () => {
    edge = await startEdge({ services: [sqs, s3], iam });
    sqs.setBaseUrl(edge.url);
    // The platform's queues as the local cloud builds them: failure queues, then each queue after its DLQ.
    for (const queue of failureQueues) sqs.createQueue(name(queue.name));
    for (const queue of queues) {
      const dlq = sqs.createQueue(name(deadLetterQueueName(queue.name)));
      sqs.createQueue(name(queue.name), {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: queue.deadLetter.maxReceiveCount,
        }),
      });
    }
    s3.createBucket(receiptsBucket);
    const resources: LocalResources = {
      edgeUrl: edge.url,
      region: REGION,
      account: ACCOUNT,
      ownPorts: [edge.port],
      name,
      queueUrl: (logical) => sqs.queueUrl(name(logical), edge.url),
      functionArn: (logical) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name(logical)}`,
      stateMachineArn: (logical) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name(logical)}`,
      secretArn: (logical) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name(logical)}-a1B2c3`,
      userPool: { id: `${REGION}_local`, clientId: 'client' },
    };
    const principals = platformPrincipals(resources);
    const api = principals.find((principal) => principal.roleName === `${PREFIX}-api-task`);
    if (api === undefined) throw new Error('the glue describes no API task role');
    apiRole = api;
    const deliver = principals.find((principal) => principal.roleName === `${PREFIX}-deliver-webhook-fn`);
    if (deliver === undefined) throw new Error('the glue describes no deliver-webhook role');
    deliverRole = deliver;
    iam.setPrincipals([
      ...principals,
      withoutStatement('RedriveToSourceQueues'),
      withoutStatement('ReceiptsExist'),
      withoutQueueLookup(deliver),
    ]);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    sqs.stop();
    await edge.close();
  });

  it('redrives a dead-letter queue back to its source queue with the role as deployed', async () => {
    const client = sqsAs(apiRole);
    const dlq = await locateDeadLetterQueue(client, PREFIX, 'webhook-deliveries-dlq');

    const handle = await startRedrive(client, dlq.arn);

    expect(handle).toEqual(expect.any(String));
  });

  it('is refused the redrive without sqs:SendMessage on the source queues (the gap before RedriveToSourceQueues)', async () => {
    const client = sqsAs(withoutStatement('RedriveToSourceQueues'));
    const dlq = await locateDeadLetterQueue(client, PREFIX, 'email-dlq');

    const refused = startRedrive(client, dlq.arn);

    await expect(refused).rejects.toThrow(
      `is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:${REGION}:${ACCOUNT}:${name('email')}`,
    );
  });

  it('learns that a receipt is not written yet (404 NotFound) with the role as deployed', async () => {
    const head = s3As(apiRole).send(new HeadObjectCommand({ Bucket: receiptsBucket, Key: 'receipts/not-yet.pdf' }));

    await expect(head).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('gets 403 instead of 404 for a missing receipt without s3:ListBucket (the gap before ReceiptsExist)', async () => {
    const head = s3As(withoutStatement('ReceiptsExist')).send(
      new HeadObjectCommand({ Bucket: receiptsBucket, Key: 'receipts/not-yet.pdf' }),
    );

    await expect(head).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it("backs a failed webhook delivery off with deliver-webhook's role as deployed", async () => {
    await expect(backOff(sqsAs(deliverRole))).resolves.toBeUndefined();
  });

  it('is refused the backoff without sqs:GetQueueUrl on its queue (the gap the local IAM check found)', async () => {
    await expect(backOff(sqsAs(withoutQueueLookup(deliverRole)))).rejects.toThrow(
      `is not authorized to perform: sqs:GetQueueUrl on resource: arn:aws:sqs:${REGION}:${ACCOUNT}:${name('webhook-deliveries')}`,
    );
  });
});
