/**
 * npm run redrive -- <queue> [--prefix <stage prefix>] [--wait]
 *
 * Moves the messages of a dead-letter queue back to their source queue (StartMessageMoveTask), in AWS and in the
 * local cloud alike: the SDK takes the endpoint, region and credentials from the standard environment
 * (AWS_ENDPOINT_URL=http://127.0.0.1:4566 for the local cloud). <queue> is a DLQ's logical name
 * (`webhook-deliveries-dlq`) or its source queue's (`webhook-deliveries`). The stage prefix of physical names is
 * --prefix, else RESOURCE_PREFIX, else derived from TABLE_NAME (`<prefix>-orders`); `local` for the local cloud.
 * With --wait it polls ListMessageMoveTasks until the task has finished.
 */
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_QUEUES, locateDeadLetterQueue, resourcePrefixFromTableName, startRedrive } from '../api/routes/admin-dlqs';
import type { Env } from '../core/config/env';

export class RedriveUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nusage: npm run redrive -- <queue> [--prefix <stage prefix>] [--wait]\nqueues: ${DEAD_LETTER_QUEUES.join(', ')}`);
    this.name = 'RedriveUsageError';
  }
}

export interface RedriveArgs {
  readonly queue: string;
  readonly prefix: string;
  readonly wait: boolean;
}

export const parseRedriveArgs = (argv: readonly string[], env: Env): RedriveArgs => {
  const positional: string[] = [];
  let prefix: string | undefined;
  let wait = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--wait') wait = true;
    else if (arg === '--prefix') {
      prefix = argv[index + 1];
      index += 1;
      if (prefix === undefined || prefix.startsWith('--')) throw new RedriveUsageError('--prefix needs a value');
    } else if (arg.startsWith('--')) throw new RedriveUsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new RedriveUsageError('name exactly one queue');
  prefix ??= env.RESOURCE_PREFIX?.trim() || (env.TABLE_NAME?.trim() ? resourcePrefixFromTableName(env.TABLE_NAME.trim()) : undefined);
  if (prefix === undefined) throw new RedriveUsageError('the stage prefix is unknown: pass --prefix, or set RESOURCE_PREFIX or TABLE_NAME');
  return { queue: positional[0], prefix, wait };
};

export interface RedriveOutcome {
  readonly queueName: string;
  readonly taskHandle: string;
  readonly messagesBefore: number;
  readonly status?: string;
  readonly moved?: number;
}

export const redrive = async (sqs: SQSClient, args: RedriveArgs, pollMs = 250, timeoutMs = 60_000): Promise<RedriveOutcome> => {
  const dlq = await locateDeadLetterQueue(sqs, args.prefix, args.queue);
  const depth = Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages ?? 0);
  const taskHandle = await startRedrive(sqs, dlq.arn);
  if (!args.wait) return { queueName: dlq.queueName, taskHandle, messagesBefore: depth };
  const until = Date.now() + timeoutMs;
  for (;;) {
    const task = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 }))).Results?.[0];
    if (task !== undefined && task.Status !== 'RUNNING') return { queueName: dlq.queueName, taskHandle, messagesBefore: depth, status: task.Status, moved: task.ApproximateNumberOfMessagesMoved };
    if (Date.now() > until) return { queueName: dlq.queueName, taskHandle, messagesBefore: depth, status: 'RUNNING' };
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs));
  }
};

if (require.main === module) {
  const write = (line: string) => process.stdout.write(`${line}\n`);
  let args: RedriveArgs;
  try {
    args = parseRedriveArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const sqs = new SQSClient({});
  redrive(sqs, args).then(
    (outcome) => {
      write(JSON.stringify(outcome));
      sqs.destroy();
    },
    (error: unknown) => {
      process.stderr.write(`redrive failed: ${(error as Error).name}: ${(error as Error).message}\n`);
      sqs.destroy();
      process.exit(1);
    },
  );
}
