/**
 * Building blocks of `npm run bench` (scripts/bench.ts): settings from the environment, latency statistics over
 * measured samples, the autocannon call, the API as its own process, and the result table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export class BenchSettingInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchSettingInvalidError';
  }
}

export class BenchApiStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchApiStartError';
  }
}

/** A positive integer from the environment, `fallback` when unset; anything else is refused with the variable's name. */
export const positiveIntegerSetting = (
  environment: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number => {
  const raw = environment[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new BenchSettingInvalidError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
};

/** Nearest-rank percentile of ascending `sorted` samples: the smallest sample with at least p % of samples at or below it. */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
};

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** p50, p99 and max of measured latencies (ms); NaN for each when there are none. */
export const summarize = (samples: readonly number[]): LatencySummary => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
};

/** What we read from autocannon's result (it ships no types); latencies come from its histogram of every response. */
export interface AutocannonResult {
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly requests: { readonly total: number };
  readonly '2xx': number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly start: Date;
  readonly finish: Date;
}

interface AutocannonRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Runs autocannon against `url` for `seconds` with `connections`, every request a copy of `request` whose headers get
 * `perRequestHeaders()` (e.g. a fresh Idempotency-Key).
 */
export const runAutocannon = async (options: {
  url: string;
  connections: number;
  seconds: number;
  request: AutocannonRequest;
  perRequestHeaders?: () => Record<string, string>;
}): Promise<AutocannonResult> => {
  // autocannon ships no types; this is the one call we make.
  const autocannon = require('autocannon') as (settings: Record<string, unknown>) => Promise<AutocannonResult>;
  const extra = options.perRequestHeaders ?? (() => ({}));
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        ...options.request,
        setupRequest: (request: { headers: Record<string, string> }) => ({
          ...request,
          headers: { ...request.headers, ...extra() },
        }),
      },
    ],
  });
};

export interface ApiProcess {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM to this process (by its PID), SIGKILL after `graceMs` if it has not exited. */
  stop(graceMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));

/** Starts api/server.ts in its own Node process (through tsx) with `environment`, and waits for GET /health. */
export const startApiProcess = async (
  environment: Readonly<Record<string, string | undefined>>,
  port: number,
  timeoutMs = 60_000,
): Promise<ApiProcess> => {
  const root = join(__dirname, '..');
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'api', 'server.ts')],
    {
      env: { ...environment, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new BenchApiStartError('the API process could not be spawned');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    await Promise.race([exited, sleep(graceMs)]);
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new BenchApiStartError(`the API exited with code ${child.exitCode} before it answered ${url}/health`);
    if (
      await fetch(`${url}/health`).then(
        (answer) => answer.ok,
        () => false,
      )
    )
      return { url, pid, stop };
    await sleep(100);
  }
  await stop();
  throw new BenchApiStartError(`the API did not answer ${url}/health within ${timeoutMs / 1000} s`);
};

/** Renders rows as a left-aligned text table with a header rule; every row has the header's length. */
export const formatTable = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
};

/** A rate (per second) or a latency (ms) for the table; '-' when there is no measurement. */
export const formatNumber = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';
