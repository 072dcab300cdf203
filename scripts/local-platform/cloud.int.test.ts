import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { startLocalCloud, type RunningLocalCloud } from './cloud';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A repository root with a few test handlers and a one-step saga, so the test owns what consumes what. */
const writeFixture = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'local-cloud-'));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write(
    'lambdas/processors/deliver-webhook.ts',
    `export const handler = async (event: unknown) => ({ event, env: { TABLE_NAME: process.env.TABLE_NAME, AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL, POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME, POWERTOOLS_IDEMPOTENCY_DISABLED: process.env.POWERTOOLS_IDEMPOTENCY_DISABLED ?? null } });\n`,
  );
  write(
    'lambdas/saga/validate-order.ts',
    `export const handler = async (event: { orderId: string; executionId: string }) => { if (event.orderId === 'bad') { const error = new Error('no such product'); error.name = 'ValidationFailedError'; throw error; } return { valid: true, executionId: event.executionId }; };\n`,
  );
  write(
    'lambdas/saga/order-saga.asl.json',
    JSON.stringify({
      StartAt: 'ValidateOrder',
      States: {
        ValidateOrder: {
          Type: 'Task',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ASL placeholder that the cloud substitutes
          Resource: '${ValidateOrderArn}',
          Parameters: { 'orderId.$': '$.orderId', 'executionId.$': '$$.Execution.Id' },
          Retry: [{ ErrorEquals: ['TransientDependencyError'], IntervalSeconds: 1, MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['ValidationFailedError'], ResultPath: '$.error', Next: 'Rejected' }],
          End: true,
        },
        Rejected: { Type: 'Pass', Result: 'rejected', End: true },
      },
    }),
  );
  return root;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the local cloud, end to end through unmodified SDK clients', () => {
  let fixture: string;
  let cloud: RunningLocalCloud;
  let sqs: SQSClient;
  const seeded: string[] = [];

  const queueUrl = (name: string): string => `${cloud.edgeUrl}/000000000000/local-${name}`;
  const receiveOne = async (name: string, visibilityTimeout?: number) => {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl(name),
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: visibilityTimeout,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return answer.Messages?.[0];
  };
  const depth = async (name: string): Promise<number> => {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(answer.Attributes?.ApproximateNumberOfMessages);
  };

  beforeAll(async () => {
    fixture = writeFixture();
    cloud = await startLocalCloud({
      edgePort: 0,
      functionsBaseDir: fixture,
      timeScale: 0.01,
      seed: async (context) => {
        seeded.push(context.names('orders'));
      },
    });
    sqs = new SQSClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
  }, 60_000);
  afterAll(async () => {
    sqs.destroy();
    await cloud?.stop();
    rmSync(fixture, { recursive: true, force: true });
  });

  it('is ready with the tables created, the seed run and the missing handlers listed', async () => {
    const dynamo = new DynamoDBClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });

    const table = await dynamo.send(new DescribeTableCommand({ TableName: 'local-orders' }));

    expect(table.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'GSI1',
      'GSI2',
      'GSI3',
    ]);
    expect(seeded).toEqual(['local-orders']);
    expect(cloud.missingFunctions).toContain('record-event');
    expect(cloud.missingFunctions).not.toContain('deliver-webhook');
    dynamo.destroy();
  });

  it('delivers order.created to the saga-starts queue and, through the catch-all rule, to the events-log queue', async () => {
    const events = new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });

    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'local-orders',
            Source: 'orders.platform',
            DetailType: 'order.created',
            Detail: JSON.stringify({ orderId: 'o-e2e' }),
          },
        ],
      }),
    );
    const sagaStart = await receiveOne('saga-starts');
    const logged = await receiveOne('events-log');

    expect(put.FailedEntryCount).toBe(0);
    expect(JSON.parse(sagaStart?.Body ?? '{}')).toMatchObject({
      source: 'orders.platform',
      'detail-type': 'order.created',
      detail: { orderId: 'o-e2e' },
    });
    expect(JSON.parse(logged?.Body ?? '{}')).toMatchObject({ 'detail-type': 'order.created' });
    events.destroy();
  });

  it('sends an event its target cannot take, after the retries, to the failure queue with the rule, target and error', async () => {
    const events = new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
    const missingMachine = 'arn:aws:states:us-east-1:000000000000:stateMachine:local-no-such-machine';
    await events.send(
      new PutRuleCommand({
        Name: 'local-undeliverable',
        EventBusName: 'local-orders',
        EventPattern: JSON.stringify({ source: ['test.undeliverable'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'local-undeliverable',
        EventBusName: 'local-orders',
        Targets: [{ Id: 'missing', Arn: missingMachine }],
      }),
    );

    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'local-orders',
            Source: 'test.undeliverable',
            DetailType: 'lost?',
            Detail: JSON.stringify({ n: 1 }),
          },
        ],
      }),
    );
    const deadline = Date.now() + 10000;
    let received: { Body?: string; MessageAttributes?: Record<string, { StringValue?: string }> } | undefined;
    while (received === undefined && Date.now() < deadline) {
      received = (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl('event-delivery-dlq'),
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        )
      ).Messages?.[0];
    }

    expect(JSON.parse(received?.Body ?? '{}')).toMatchObject({ source: 'test.undeliverable', detail: { n: 1 } });
    expect(received?.MessageAttributes?.TARGET_ARN?.StringValue).toBe(missingMachine);
    expect(received?.MessageAttributes?.RULE_ARN?.StringValue).toContain('local-undeliverable');
    expect(received?.MessageAttributes?.ERROR_CODE?.StringValue).toEqual(expect.any(String));
    await events.send(
      new RemoveTargetsCommand({ Rule: 'local-undeliverable', EventBusName: 'local-orders', Ids: ['missing'] }),
    );
    events.destroy();
  });

  it('moves a message to the DLQ after maxReceiveCount receives and back with StartMessageMoveTask', async () => {
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl('receipts'), MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    await cloud.services.sqs.sendMessage('local-receipts', 'poison');
    for (let receive = 1; receive <= 3; receive += 1) expect((await receiveOne('receipts', 0))?.Body).toBe('poison');

    const afterLimit = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl('receipts'), WaitTimeSeconds: 0, VisibilityTimeout: 0 }),
    );
    const inDlq = await depth('receipts-dlq');
    await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:local-receipts-dlq' }),
    );
    const deadline = Date.now() + 5000;
    while ((await depth('receipts')) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));

    expect(afterLimit.Messages ?? []).toEqual([]);
    expect(inDlq).toBe(1);
    expect(await depth('receipts')).toBe(1);
    expect(await depth('receipts-dlq')).toBe(0);
  });

  it('runs a registered handler with the environment of the description, and fails it once after POST /_local/faults', async () => {
    const lambda = new LambdaClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
    const invoke = async () => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: 'local-deliver-webhook', Payload: Buffer.from('{"n":1}') }),
      );
      return {
        functionError: answer.FunctionError,
        payload: JSON.parse(Buffer.from(answer.Payload ?? []).toString() || 'null') as Record<string, unknown>,
      };
    };

    const fault = await fetch(`${cloud.edgeUrl}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ function: 'deliver-webhook', failNext: 1 }),
    });
    const failed = await invoke();
    const healthy = await invoke();

    expect(fault.status).toBe(200);
    expect(failed.functionError).toBe('Unhandled');
    expect(healthy.functionError).toBeUndefined();
    expect(healthy.payload).toEqual({
      event: { n: 1 },
      env: {
        TABLE_NAME: 'local-orders',
        AWS_ENDPOINT_URL: cloud.edgeUrl,
        POWERTOOLS_SERVICE_NAME: 'deliver-webhook',
        POWERTOOLS_IDEMPOTENCY_DISABLED: null,
      },
    });
    lambda.destroy();
  });

  it('creates the state machine from the ASL with local function ARNs and routes a function error to its Catch', async () => {
    const sfn = new SFNClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
    const stateMachineArn = cloud.env.STATE_MACHINE_ARN;

    const good = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'order-good', input: '{"orderId":"good"}' }),
    );
    const bad = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'order-bad', input: '{"orderId":"bad"}' }),
    );
    await cloud.services.stepFunctions.waitForExecution(good.executionArn ?? '');
    await cloud.services.stepFunctions.waitForExecution(bad.executionArn ?? '');

    const goodRun = await sfn.send(new DescribeExecutionCommand({ executionArn: good.executionArn }));
    const badRun = await sfn.send(new DescribeExecutionCommand({ executionArn: bad.executionArn }));
    expect(goodRun.status).toBe('SUCCEEDED');
    expect(JSON.parse(goodRun.output ?? '')).toEqual({ valid: true, executionId: good.executionArn });
    expect(badRun.status).toBe('SUCCEEDED');
    expect(JSON.parse(badRun.output ?? '')).toBe('rejected');
    sfn.destroy();
  });

  it('serves S3 path-style to a client configured only by the local environment', async () => {
    const s3 = new S3Client({ endpoint: cloud.env.AWS_ENDPOINT_URL, region: cloud.env.AWS_REGION, credentials });

    await s3.send(new PutObjectCommand({ Bucket: cloud.env.RECEIPTS_BUCKET, Key: 'receipts/o-1.pdf', Body: 'pdf' }));

    expect(
      await (
        await s3.send(new GetObjectCommand({ Bucket: cloud.env.RECEIPTS_BUCKET, Key: 'receipts/o-1.pdf' }))
      ).Body?.transformToString(),
    ).toBe('pdf');
    s3.destroy();
  });

  it('lists queues and empties them on POST /_local/reset, seeding again', async () => {
    await cloud.services.sqs.sendMessage('local-email', 'to be reset');
    const before = (await (await fetch(`${cloud.edgeUrl}/_local/queues`)).json()) as {
      queues: { name: string; depth: number; isDlq: boolean }[];
    };

    const reset = await fetch(`${cloud.edgeUrl}/_local/reset`, { method: 'POST' });

    expect(before.queues.find((q) => q.name === 'local-email')?.depth).toBe(1);
    expect(before.queues.find((q) => q.name === 'local-email-dlq')?.isDlq).toBe(true);
    expect(before.queues.find((q) => q.name === 'local-event-delivery-dlq')?.isDlq).toBe(true);
    expect(before.queues.find((q) => q.name === 'local-email')?.isDlq).toBe(false);
    expect(reset.status).toBe(200);
    expect(await depth('email')).toBe(0);
    expect(seeded).toHaveLength(2);
  });
});

describe('stopping the local cloud', () => {
  it('leaves no DynamoDB Local process and no listening edge behind', async () => {
    const fixture = writeFixture();
    const cloud = await startLocalCloud({ edgePort: 0, functionsBaseDir: fixture });
    const { port } = new URL(cloud.edgeUrl);
    const pid = cloud.services.dynamoDbPid;
    const aliveBefore = isAlive(pid);

    await cloud.stop();

    expect(aliveBefore).toBe(true);
    expect(isAlive(pid)).toBe(false);
    await expect(fetch(cloud.edgeUrl)).rejects.toThrow();
    await expect(fetch(cloud.services.dynamoDbEndpoint)).rejects.toThrow();
    expect(Number(port)).toBeGreaterThan(0);
    rmSync(fixture, { recursive: true, force: true });
  }, 60_000);

  it('names the port when the edge port is in use, and starts nothing', async () => {
    expect.assertions(2);
    const fixture = writeFixture();
    const first = await startLocalCloud({ edgePort: 0, functionsBaseDir: fixture });
    const port = Number(new URL(first.edgeUrl).port);

    await startLocalCloud({ edgePort: port, functionsBaseDir: fixture }).catch((error: Error) => {
      expect(error.name).toBe('LocalCloudPortInUseError');
      expect(error.message).toContain(String(port));
    });

    await first.stop();
    rmSync(fixture, { recursive: true, force: true });
  }, 60_000);
});
