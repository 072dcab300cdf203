/**
 * IAM in a running local cloud: a function signs with its own access key (set in its environment), the edge maps
 * it to the function's role, and an unmodified SDK client inside the handler gets AccessDeniedException for what
 * the role does not grant, through DynamoDB Local's proxy and the in-process emulations alike.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startCloud, type RunningLocalCloud } from '../cloud/start';
import type { LocalLogger } from '../edge/logger';
import type { LocalCloudDescription } from '../cloud/description';

const EDGE_PORT = 4702;

/** What the handler saw: each call's outcome, as the error name and message or 'ok'. */
type Outcomes = Record<string, string>;

const outcome = async (call: () => Promise<unknown>): Promise<string> => {
  try {
    await call();
    return 'ok';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
};

// The handler builds its clients from the environment only, as the platform's handlers do.
const handler = async (): Promise<Outcomes> => {
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  try {
    return {
      getItem: await outcome(() =>
        dynamo.send(new GetItemCommand({ TableName: 'items', Key: { PK: { S: 'a' }, SK: { S: 'b' } } })),
      ),
      putItem: await outcome(() =>
        dynamo.send(new PutItemCommand({ TableName: 'items', Item: { PK: { S: 'a' }, SK: { S: 'b' } } })),
      ),
      sendMessage: await outcome(() =>
        sqs.send(new SendMessageCommand({ QueueUrl: process.env.JOBS_URL, MessageBody: 'x' })),
      ),
    };
  } finally {
    dynamo.destroy();
    sqs.destroy();
  }
};

const description = (): LocalCloudDescription => ({
  tables: [
    {
      name: 'items',
      partitionKey: 'PK',
      sortKey: 'SK',
      globalSecondaryIndexes: [{ name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
    },
  ],
  queues: [{ name: 'jobs', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600, delaySeconds: 0 }],
  functions: [
    {
      name: 'reader',
      entry: __filename,
      timeoutSeconds: 10,
      memoryMb: 128,
      environment: (resources) => ({ AWS_ACCESS_KEY_ID: 'readerfn', JOBS_URL: resources.queueUrl('jobs') }),
      load: () => handler,
    },
  ],
  userPool: { name: 'users', idSuffix: 'iam', client: { name: 'web', id: 'web' }, groups: [], users: [] },
  principals: (resources) => [
    {
      accessKeyId: 'readerfn',
      roleName: 'reader-fn',
      sessionName: 'reader',
      statements: [
        {
          Sid: 'Read',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: [`arn:aws:dynamodb:${resources.region}:${resources.account}:table/items`],
        },
        {
          Sid: 'Send',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [`arn:aws:sqs:${resources.region}:${resources.account}:jobs`],
        },
      ],
    },
  ],
});

describe('a function in the local cloud runs as its role', () => {
  let cloud: RunningLocalCloud;
  let outcomes: Outcomes;
  const warnings: { message: string; extra?: Record<string, unknown> }[] = [];
  const logger: LocalLogger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (message, extra) => warnings.push({ message, ...(extra === undefined ? {} : { extra }) }),
  };

  beforeAll(async () => {
    cloud = await startCloud(description(), { edgePort: EDGE_PORT, enforceIam: true, logger });
    const invoked = await cloud.services.lambda.invoke('reader', {});
    outcomes = invoked.result as Outcomes;
  }, 120_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  it('gets AccessDeniedException from DynamoDB for the write its role does not grant', () => {
    expect(outcomes.putItem).toBe(
      `AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/reader-fn/reader is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/items because no identity-based policy allows the dynamodb:PutItem action`,
    );
  });

  it('reads and sends what its role grants', () => {
    expect([outcomes.getItem, outcomes.sendMessage]).toEqual(['ok', 'ok']);
  });

  it('logs the refusal with the role, action and resource', () => {
    const refusals = warnings.filter((w) => w.message.startsWith('IAM refused a call'));

    expect(refusals.map((w) => w.extra)).toEqual([
      {
        principal: 'arn:aws:sts::000000000000:assumed-role/reader-fn/reader',
        action: 'dynamodb:PutItem',
        resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/items',
        decision: 'ImplicitDeny',
      },
    ]);
  });

  it('counts the calls it evaluated for the role', () => {
    expect(cloud.services.iam.counts()).toEqual({ allowed: 2, denied: 1 });
  });
});
