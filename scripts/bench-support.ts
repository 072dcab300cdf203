/**
 * Building blocks of `npm run bench` (scripts/bench.ts): settings from the environment, latency statistics over
 * measured samples, the API and the load generator as processes of their own, the CPU time of a process, and the
 * result table.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeilingJob, ClosedJob, ClosedResult, LoadJob, LoadMessage, OpenJob, OpenResult } from './bench-load';

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
  // node --import tsx, not the tsx CLI, which would run the server in a child of its own: the PID is the server's, so
  // its CPU time can be read.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'api', 'server.ts')], {
    cwd: root,
    env: { ...environment, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
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

export class BenchLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchLoadError';
  }
}

/** The load generator (scripts/bench-load.ts) in its own process: one job at a time, progress lines to `onProgress`. */
export interface LoadGenerator {
  readonly pid: number;
  closedLoop(job: CeilingJob | ClosedJob): Promise<ClosedResult>;
  openLoop(job: OpenJob): Promise<OpenResult>;
  stop(): Promise<void>;
}

export const startLoadGenerator = (onProgress: (line: string) => void): LoadGenerator => {
  const root = join(__dirname, '..');
  const child = fork(join(root, 'scripts', 'bench-load.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new BenchLoadError('the load generator could not be forked');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const run = (job: LoadJob): Promise<ClosedResult | OpenResult> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: LoadMessage) => {
        if (message.type === 'progress') return onProgress(message.text);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (message.type === 'result') resolve(message.result);
        else reject(new BenchLoadError(`the load generator failed: ${message.message}`));
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new BenchLoadError(`the load generator exited (code ${code}) during a ${job.kind} job`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(job);
    });
  return {
    pid,
    closedLoop: (job) => run(job) as Promise<ClosedResult>,
    openLoop: (job) => run(job) as Promise<OpenResult>,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    },
  };
};

let clockTicks: number | undefined;
/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 when it cannot be read). */
const ticksPerSecond = (): number => {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

/** User plus system CPU time of a process so far, in ms, from /proc/<pid>/stat (Linux); NaN where there is none. */
export const processCpuMs = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
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
