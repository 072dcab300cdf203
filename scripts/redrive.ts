/**
 * npm run redrive -- <queue> [--prefix <stage prefix>] [--wait]
 *
 * Moves the messages of a dead-letter queue back to their source queue (StartMessageMoveTask), in AWS and in the
 * local cloud alike. <queue> is a DLQ's logical name (`webhook-deliveries-dlq`) or its source queue's
 * (`webhook-deliveries`).
 *
 * Where it goes: with no AWS settings in the environment (no AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE or access
 * key) it talks to the local platform of `npm start`: the edge at http://127.0.0.1:4566 (or EDGE_PORT), region
 * us-east-1, stage prefix `local`, so the README's `npm run redrive -- email-dlq --wait` needs no extra env.
 * Otherwise the SDK takes endpoint, region and credentials from the standard environment, and the stage prefix is
 * --prefix, else RESOURCE_PREFIX, else derived from TABLE_NAME (`<prefix>-orders`); `local` when the endpoint is
 * on this machine. With --wait it polls ListMessageMoveTasks, printing progress, until the task has finished.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_QUEUES,
  locateDeadLetterQueue,
  resourcePrefixFromTableName,
  startRedrive,
} from '../api/routes/admin-dlqs';

/** An environment map (passed in, so tests need not touch process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

export const REDRIVE_USAGE = [
  'usage: npm run redrive -- <queue> [--prefix <stage prefix>] [--wait]',
  '',
  '  Moves the messages of a dead-letter queue back to the queue they came from.',
  '',
  '  <queue>           a dead-letter queue or its source queue, one of:',
  `                    ${DEAD_LETTER_QUEUES.join(', ')}`,
  '  --wait            follow the move until it has finished, with progress',
  '  --prefix <name>   the stage prefix of physical queue names (default: RESOURCE_PREFIX, TABLE_NAME, else `local`)',
  '  --help            this text',
  '',
  '  With no AWS settings in the environment it uses the local platform of `npm start`',
  '  (http://127.0.0.1:4566, or EDGE_PORT; region us-east-1; prefix local).',
].join('\n');

export class RedriveUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${REDRIVE_USAGE}`);
    this.name = 'RedriveUsageError';
  }
}

export interface RedriveArgs {
  readonly queue: string;
  readonly prefix: string;
  readonly wait: boolean;
}

const LOCAL_REGION = 'us-east-1';
const LOCAL_PREFIX = 'local';
/** Settings that mean "the user configured an AWS target"; without any of them the target is the local platform. */
const AWS_SETTINGS = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
];

const set = (env: Env, key: string): string | undefined => env[key]?.trim() || undefined;
const isLoopback = (url: string): boolean => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** True when the environment names no AWS target, or an endpoint on this machine: the local platform. */
export const targetsLocalPlatform = (env: Env): boolean => {
  const endpoint = set(env, 'AWS_ENDPOINT_URL_SQS') ?? set(env, 'AWS_ENDPOINT_URL');
  if (endpoint !== undefined) return isLoopback(endpoint);
  return AWS_SETTINGS.every((key) => set(env, key) === undefined);
};

/** `--help` asks for the usage; anything else is a redrive to run. */
export const parseRedriveArgs = (argv: readonly string[], env: Env): RedriveArgs | 'help' => {
  const positional: string[] = [];
  let prefix: string | undefined;
  let wait = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--wait') wait = true;
    else if (arg === '--prefix') {
      prefix = argv[index + 1];
      index += 1;
      if (prefix === undefined || prefix.startsWith('--')) throw new RedriveUsageError('--prefix needs a value');
    } else if (arg.startsWith('-')) throw new RedriveUsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1)
    throw new RedriveUsageError(positional.length === 0 ? 'name the queue to redrive' : 'name exactly one queue');
  const tableName = set(env, 'TABLE_NAME');
  prefix ??= set(env, 'RESOURCE_PREFIX') ?? (tableName ? resourcePrefixFromTableName(tableName) : undefined);
  prefix ??= targetsLocalPlatform(env) ? LOCAL_PREFIX : undefined;
  if (prefix === undefined)
    throw new RedriveUsageError('the stage prefix is unknown: pass --prefix, or set RESOURCE_PREFIX or TABLE_NAME');
  return { queue: positional[0], prefix, wait };
};

/**
 * The SQS client settings: the standard AWS environment when it names a target; the local platform's edge
 * (EDGE_PORT, default 4566), region and dummy credentials when it does not, or when it only names a local endpoint.
 */
export const sqsConfigFor = (env: Env): SQSClientConfig & { endpoint?: string } => {
  if (!targetsLocalPlatform(env)) return {};
  const endpoint =
    set(env, 'AWS_ENDPOINT_URL_SQS') ??
    set(env, 'AWS_ENDPOINT_URL') ??
    `http://127.0.0.1:${set(env, 'EDGE_PORT') ?? '4566'}`;
  return {
    endpoint,
    region: set(env, 'AWS_REGION') ?? set(env, 'AWS_DEFAULT_REGION') ?? LOCAL_REGION,
    ...(set(env, 'AWS_ACCESS_KEY_ID') ? {} : { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  };
};

export interface RedriveOutcome {
  readonly queueName: string;
  readonly taskHandle: string;
  readonly messagesBefore: number;
  readonly status?: string;
  readonly moved?: number;
  readonly failureReason?: string;
}

/** What a waiting redrive reports on each poll. */
export interface RedriveProgress {
  readonly moved: number;
  readonly toMove?: number;
  readonly elapsedMs: number;
}

export interface RedriveOptions {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly onStarted?: (started: { queueName: string; taskHandle: string; messagesBefore: number }) => void;
  readonly onProgress?: (progress: RedriveProgress) => void;
}

export const redrive = async (
  sqs: SQSClient,
  args: RedriveArgs,
  options: RedriveOptions = {},
): Promise<RedriveOutcome> => {
  const { pollMs = 250, timeoutMs = 60_000 } = options;
  const dlq = await locateDeadLetterQueue(sqs, args.prefix, args.queue);
  const depth = Number(
    (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      )
    ).Attributes?.ApproximateNumberOfMessages ?? 0,
  );
  const taskHandle = await startRedrive(sqs, dlq.arn);
  options.onStarted?.({ queueName: dlq.queueName, taskHandle, messagesBefore: depth });
  if (!args.wait) return { queueName: dlq.queueName, taskHandle, messagesBefore: depth };
  const began = Date.now();
  for (;;) {
    const task = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 }))).Results?.[0];
    const moved = task?.ApproximateNumberOfMessagesMoved;
    if (task !== undefined && task.Status !== 'RUNNING') {
      return {
        queueName: dlq.queueName,
        taskHandle,
        messagesBefore: depth,
        status: task.Status,
        moved,
        ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
      };
    }
    options.onProgress?.({
      moved: moved ?? 0,
      ...(task?.ApproximateNumberOfMessagesToMove === undefined
        ? {}
        : { toMove: task.ApproximateNumberOfMessagesToMove }),
      elapsedMs: Date.now() - began,
    });
    if (Date.now() - began > timeoutMs)
      return { queueName: dlq.queueName, taskHandle, messagesBefore: depth, status: 'RUNNING', moved };
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs));
  }
};

const plural = (count: number, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;

/** The closing line a person reads, and whether the run succeeded. */
export const summarise = (outcome: RedriveOutcome, elapsedMs: number): { line: string; ok: boolean } => {
  const seconds = (elapsedMs / 1000).toFixed(1);
  if (outcome.status === undefined) {
    return {
      line: `started: moving ${plural(outcome.messagesBefore, 'message')} from ${outcome.queueName} back to the source queue (add --wait to follow it)`,
      ok: true,
    };
  }
  if (outcome.status === 'COMPLETED') {
    return {
      line: `done: moved ${plural(outcome.moved ?? 0, 'message')} from ${outcome.queueName} back to the source queue in ${seconds} s`,
      ok: true,
    };
  }
  if (outcome.status === 'RUNNING') {
    return {
      line: `still running after ${seconds} s: ${outcome.moved ?? 0} of ${outcome.messagesBefore} moved from ${outcome.queueName} so far (task ${outcome.taskHandle})`,
      ok: false,
    };
  }
  return {
    line: `${outcome.status.toLowerCase()}: ${outcome.moved ?? 0} of ${outcome.messagesBefore} moved from ${outcome.queueName}${outcome.failureReason ? `: ${outcome.failureReason}` : ''}`,
    ok: false,
  };
};

/** A connection refused anywhere in the cause chain: nothing listens at the endpoint. */
const refused = (error: unknown): boolean => {
  for (
    let current: unknown = error, hops = 0;
    current instanceof Error && hops < 5;
    current = (current as Error & { cause?: unknown }).cause, hops += 1
  ) {
    if ((current as Error & { code?: string }).code === 'ECONNREFUSED' || /ECONNREFUSED/.test(current.message))
      return true;
  }
  return false;
};

/** The command: parses argv, runs the redrive, prints progress and a one-line summary; answers the exit code. */
export const main = async (
  argv: readonly string[],
  env: Env,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> => {
  let parsed: RedriveArgs | 'help';
  try {
    parsed = parseRedriveArgs(argv, env);
  } catch (error) {
    err((error as Error).message);
    return 2;
  }
  if (parsed === 'help') {
    out(REDRIVE_USAGE);
    return 0;
  }
  const args = parsed;
  const config = sqsConfigFor(env);
  const where = config.endpoint ? `the local platform at ${config.endpoint}` : 'AWS (SDK environment)';
  out(`redrive ${args.queue} (prefix ${args.prefix}) on ${where}`);
  const sqs = new SQSClient(config);
  const began = Date.now();
  let lastMoved = -1;
  let lastPrinted = 0;
  try {
    const outcome = await redrive(sqs, args, {
      onStarted: ({ queueName, messagesBefore }) =>
        out(`  ${queueName}: ${plural(messagesBefore, 'message')} waiting; move started`),
      onProgress: ({ moved, toMove, elapsedMs }) => {
        // A line when the count changes, else one every 5 s, so a slow move shows it is alive without flooding.
        if (moved === lastMoved && elapsedMs - lastPrinted < 5000) return;
        lastMoved = moved;
        lastPrinted = elapsedMs;
        out(
          `  moving… ${moved}${toMove === undefined ? '' : ` of ${toMove}`} moved (${(elapsedMs / 1000).toFixed(0)} s)`,
        );
      },
    });
    const { line, ok } = summarise(outcome, Date.now() - began);
    (ok ? out : err)(line);
    return ok ? 0 : 1;
  } catch (error) {
    if (refused(error) && config.endpoint)
      err(
        `failed: nothing answers at ${config.endpoint}; start the platform with npm start (or set EDGE_PORT to its edge port)`,
      );
    else err(`failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  } finally {
    sqs.destroy();
  }
};

if (require.main === module) {
  void main(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
