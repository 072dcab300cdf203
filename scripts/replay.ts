/**
 * npm run replay -- --from <time> [--to <time>] [--rule <rule>] [--prefix <stage prefix>] [--wait]
 *
 * Replays the archived events of a time window to the bus (EventBridge StartReplay), to every rule or to one rule,
 * in AWS and in the local cloud alike, with the same adapter and safety rules as POST /api/admin/replays
 * (core/adapters/eventbridge-replays.ts). Times are ISO 8601 or relative to now: `-30m`, `-2h`, `-1d`, `now`.
 * Where it goes follows `npm run redrive`: with no AWS settings in the environment, the local platform of
 * `npm start` (EDGE_PORT, prefix `local`); otherwise the standard AWS environment and --prefix / RESOURCE_PREFIX /
 * TABLE_NAME. With --wait it polls DescribeReplay and prints progress until the replay has finished.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  EventReplays,
  REPLAYABLE_RULES,
  ReplayRequestSchema,
  type ReplayStatus,
} from '../core/adapters/eventbridge-replays';
import { PlatformError } from '../core/errors';
import { buses, physicalName } from '../core/platform/resources';
import { resourcePrefixFromTableName } from '../api/routes/admin-dlqs';
import { type Env, sqsConfigFor, targetsLocalPlatform } from './redrive';

export const REPLAY_USAGE = [
  'usage: npm run replay -- --from <time> [--to <time>] [--rule <rule>] [--prefix <stage prefix>] [--wait]',
  '',
  '  Sends the archived events of [from, to) back to the bus: to every rule, or with --rule to that rule only.',
  '',
  '  --from, --to      ISO 8601 (2026-12-02T10:00:00Z) or relative to now (-30m, -2h, -1d, now); --to defaults to now',
  `  --rule <rule>     one of: ${REPLAYABLE_RULES.join(', ')}`,
  '  --wait            follow the replay until it has finished, with progress',
  '  --prefix <name>   the stage prefix of physical names (default: RESOURCE_PREFIX, TABLE_NAME, else `local`)',
  '  --help            this text',
  '',
  '  A replay to every rule must start within the last 24 hours (the consumers\u2019 idempotency window).',
  '  With no AWS settings in the environment it uses the local platform of `npm start`.',
].join('\n');

export class ReplayUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${REPLAY_USAGE}`);
    this.name = 'ReplayUsageError';
  }
}

export interface ReplayArgs {
  readonly from: string;
  readonly to: string;
  readonly rule?: string;
  readonly prefix: string;
  readonly wait: boolean;
}

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `now`, `-30m`, `-2h`, `-1d` or an ISO 8601 time, as ISO 8601. */
export const parseTime = (value: string, now: Date): string => {
  if (value === 'now') return now.toISOString();
  const relative = /^-(\d+)([smhd])$/.exec(value);
  if (relative !== null) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]]).toISOString();
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new ReplayUsageError(`not a time: ${value}`);
  return new Date(parsed).toISOString();
};

export const parseReplayArgs = (argv: readonly string[], env: Env, now: Date): ReplayArgs | 'help' => {
  const values = new Map<string, string>();
  let wait = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--wait') wait = true;
    else if (['--from', '--to', '--rule', '--prefix'].includes(arg)) {
      const value = argv[index + 1];
      if (value === undefined || (value.startsWith('--') && value !== '--'))
        throw new ReplayUsageError(`${arg} needs a value`);
      values.set(arg, value);
      index += 1;
    } else throw new ReplayUsageError(`unknown argument ${arg}`);
  }
  const fromText = values.get('--from');
  if (fromText === undefined) throw new ReplayUsageError('say where the window starts with --from');
  const rule = values.get('--rule');
  if (rule !== undefined && !REPLAYABLE_RULES.includes(rule)) throw new ReplayUsageError(`unknown rule ${rule}`);
  const tableName = env.TABLE_NAME?.trim() || undefined;
  const prefix =
    values.get('--prefix') ??
    (env.RESOURCE_PREFIX?.trim() || undefined) ??
    (tableName ? resourcePrefixFromTableName(tableName) : undefined) ??
    (targetsLocalPlatform(env) ? 'local' : undefined);
  if (prefix === undefined)
    throw new ReplayUsageError('the stage prefix is unknown: pass --prefix, or set RESOURCE_PREFIX or TABLE_NAME');
  const from = parseTime(fromText, now);
  const to = parseTime(values.get('--to') ?? 'now', now);
  if (Date.parse(from) >= Date.parse(to)) throw new ReplayUsageError('--from must be before --to');
  return { from, to, ...(rule === undefined ? {} : { rule }), prefix, wait };
};

/** One progress or closing line a person reads. */
export const describeStatus = (status: ReplayStatus): string => {
  const target = status.rule === undefined ? 'every rule' : `rule ${status.rule}`;
  const window = `${status.from ?? '?'} .. ${status.to ?? '?'}`;
  const reason = status.stateReason ? `: ${status.stateReason}` : '';
  return `${status.name}  ${status.state.toLowerCase()} ${status.percent ?? 0}%  (${window} to ${target})${reason}`;
};

export interface ReplayRunOptions {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly onProgress?: (status: ReplayStatus) => void;
}

const FINISHED = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

/** Starts the replay and, with wait, follows it to its end (or the timeout); answers the last status. */
export const runReplay = async (
  replays: EventReplays,
  args: ReplayArgs,
  options: ReplayRunOptions = {},
): Promise<ReplayStatus> => {
  const request = ReplayRequestSchema.parse({
    from: args.from,
    to: args.to,
    ...(args.rule ? { rule: args.rule } : {}),
  });
  const started = await replays.start(request);
  options.onProgress?.(started);
  if (!args.wait) return started;
  const { pollMs = 1000, timeoutMs = 15 * 60_000 } = options;
  const began = Date.now();
  for (;;) {
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs));
    const status = await replays.describe(started.name);
    options.onProgress?.(status);
    if (FINISHED.has(status.state) || Date.now() - began > timeoutMs) return status;
  }
};

export const main = async (
  argv: readonly string[],
  env: Env,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> => {
  let args: ReplayArgs | 'help';
  try {
    args = parseReplayArgs(argv, env, new Date());
  } catch (error) {
    err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (args === 'help') {
    out(REPLAY_USAGE);
    return 0;
  }
  // The same target rules as the redrive: the local platform's edge unless the environment names AWS.
  const { endpoint, region, credentials } = sqsConfigFor(env);
  const client = new EventBridgeClient({
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  const replays = new EventReplays(client, {
    busName: physicalName(args.prefix, buses[0].name),
    resourcePrefix: args.prefix,
  });
  try {
    const last = await runReplay(replays, args, { onProgress: (status) => out(describeStatus(status)) });
    if (!args.wait) out('started (add --wait to follow it)');
    return !args.wait || last.state === 'COMPLETED' ? 0 : 1;
  } catch (error) {
    err(error instanceof PlatformError ? `refused: ${error.message}` : `replay failed: ${(error as Error).message}`);
    return 1;
  } finally {
    client.destroy();
  }
};

if (require.main === module)
  void main(process.argv.slice(2), process.env, console.log, console.error).then((code) => {
    process.exitCode = code;
  });
