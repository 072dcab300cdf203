/**
 * Test-only: what each runtime has of one consumer, printed as JSON, for scripts/new-consumer.int.test.ts, which runs
 * it inside a scaffolded copy of the repository (`tsx modules/test-support/consumer-wiring.ts <name>`), so it reads
 * that copy's description, modules and handlers:
 *  - description: the function, queue and rule core/platform/resources.ts derives from the consumer's entry;
 *  - terraform: the dev stack as `npm run synth` builds it — function, queue, DLQ, rule, event source mapping (the
 *    normalised records of ./runtime-inventory.ts), the DLQ's alarm and what the function's role may do on its queue;
 *  - local: the local cloud as `npm start` builds it, read through SDK clients (the same records), and `handled`:
 *    whether an order.confirmed put on the local bus reached the function, which leaves its idempotency record.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Testing } from 'cdktf';
import { ulid } from 'ulid';
import { EVENT_CONTRACTS } from '../../core/events/contracts';
import {
  consumerRuleName,
  deadLetterQueueName,
  functions,
  ORDER_EVENT_SOURCE,
  platform,
  queues,
  rules,
} from '../../core/platform/resources';
import { FUNCTION_IDEMPOTENCY_PARTITION } from '../../core/store/keys';
import { LOCAL_PREFIX, startLocalCloud } from '../../scripts/local-platform/cloud';
import { PlatformStack } from '../platform-stack';
import { stages } from '../stage-config';
import { localInventory, terraformInventory } from './runtime-inventory';
import type { RuntimeInventory } from './runtime-inventory';
import { resourcesOf } from './test-fixtures';
import type { SynthesizedStack } from './test-fixtures';

const TERRAFORM_PREFIX = 'orders-dev';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The consumer's own records of an inventory: its function, queue, DLQ, rule and mapping (null when absent). */
const ownRecords = (inventory: RuntimeInventory, name: string) => ({
  function: inventory.functions.find((record) => record.name === name) ?? null,
  queue: inventory.queues.find((record) => record.name === name) ?? null,
  deadLetterQueue: inventory.queues.find((record) => record.name === deadLetterQueueName(name)) ?? null,
  rule: inventory.rules.find((record) => record.name === consumerRuleName(name)) ?? null,
  mapping: inventory.mappings.find((record) => record.function === name) ?? null,
});

interface PolicyStatement {
  readonly actions?: string[];
  readonly resources?: string[];
}

const synthesised = (name: string) => {
  const stack = new PlatformStack(Testing.app(), 'order-platform-dev', {
    config: stages.dev,
    backend: { kind: 'local', path: 'test.tfstate' },
    rootDir: `${__dirname}/../..`,
  });
  const parsed = JSON.parse(Testing.synth(stack)) as SynthesizedStack;
  const physical = `${TERRAFORM_PREFIX}-${name}`;
  const alarm = resourcesOf(parsed, 'aws_cloudwatch_metric_alarm').find(
    (resource) => (resource.dimensions as { QueueName?: string } | undefined)?.QueueName === `${physical}-dlq`,
  );
  // The role named after the function, its inline policy and that policy's document: the actions on its queue.
  const roleAddress = Object.entries(parsed.resource.aws_iam_role ?? {}).find(
    ([, role]) => role.name === `${physical}-fn`,
  )?.[0];
  const inline = resourcesOf(parsed, 'aws_iam_role_policy').find(
    (policy) => policy.role === `\${aws_iam_role.${roleAddress}.id}`,
  );
  const documentAddress = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(String(inline?.policy))?.[1];
  const statements = (parsed.data?.aws_iam_policy_document?.[documentAddress ?? '']?.statement ?? []) as
    | PolicyStatement[]
    | undefined as PolicyStatement[];
  const queueAddress = Object.entries(parsed.resource.aws_sqs_queue ?? {}).find(
    ([, queue]) => queue.name === physical,
  )?.[0];
  const onQueue = statements
    .filter((statement) => statement.resources?.includes(`\${aws_sqs_queue.${queueAddress}.arn}`))
    .flatMap((statement) => statement.actions ?? []);
  return {
    ...ownRecords(terraformInventory(parsed, TERRAFORM_PREFIX, platform.stateMachines), name),
    alarm: (alarm?.alarm_name as string | undefined) ?? null,
    roleActionsOnQueue: onQueue.sort(),
  };
};

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

const onTheLocalCloud = async (name: string) => {
  const cloud = await startLocalCloud({ edgePort: 0 });
  try {
    const inventory = await localInventory(
      { edgeUrl: cloud.edgeUrl, region: 'us-east-1', prefix: LOCAL_PREFIX, buses: platform.buses.map((b) => b.name) },
      platform.stateMachines,
    );
    const confirmed = EVENT_CONTRACTS.find((contract) => contract.type === 'order.confirmed');
    const events = new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials });
    const dynamo = new DynamoDBClient({ endpoint: cloud.services.dynamoDbEndpoint, region: 'us-east-1', credentials });
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: cloud.names('orders'),
            Source: ORDER_EVENT_SOURCE,
            DetailType: 'order.confirmed',
            Detail: JSON.stringify({ ...confirmed?.example, eventId: ulid() }),
          },
        ],
      }),
    );
    let handled = false;
    for (const deadline = Date.now() + 20_000; !handled && Date.now() < deadline; await sleep(100)) {
      const records = await dynamo.send(
        new QueryCommand({
          TableName: cloud.names('orders'),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': { S: FUNCTION_IDEMPOTENCY_PARTITION }, ':prefix': { S: `${name}#` } },
        }),
      );
      handled = (records.Items ?? []).some((item) => item.idempotencyStatus?.S === 'COMPLETED');
    }
    events.destroy();
    dynamo.destroy();
    return { ...ownRecords(inventory, name), missingFunctions: cloud.missingFunctions, handled };
  } finally {
    await cloud.stop();
  }
};

const main = async (name: string): Promise<void> => {
  const description = {
    function: functions.find((spec) => spec.name === name) ?? null,
    queue: queues.find((spec) => spec.name === name) ?? null,
    rule: rules.find((spec) => spec.name === consumerRuleName(name)) ?? null,
  };
  const terraform = synthesised(name);
  const local = await onTheLocalCloud(name);
  process.stdout.write(`${JSON.stringify({ description, terraform, local })}\n`);
};

if (require.main === module) {
  const name = process.argv[2];
  if (name === undefined) throw new Error('usage: tsx modules/test-support/consumer-wiring.ts <consumer name>');
  void main(name);
}
