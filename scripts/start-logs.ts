/**
 * Where `npm start`'s logs go. The platform logs JSON (the API, every function run in-process, the local cloud);
 * a person at the terminal wants the banner and a line when things start and stop, not a stream of JSON. So every
 * log line goes to a file (under DATA_DIR, or a temporary directory), and to the console only when asked for
 * (`--verbose` or LOG_LEVEL), then as one readable line each.
 */
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type StartLogLevel = (typeof LOG_LEVELS)[number];

export interface StartLogSettings {
  /** Log lines are echoed to the console too. */
  readonly echo: boolean;
  /** The level every part logs at (the API, the functions, the local cloud). */
  readonly level: StartLogLevel;
  /** The log file. */
  readonly file: string;
}

/** The settings from the command line and the environment; a LOG_LEVEL that is not a level is an error naming it. */
export const startLogSettings = (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  makeTempDir: () => string = () => mkdtempSync(join(tmpdir(), 'order-platform-')),
): StartLogSettings => {
  const requested = env.LOG_LEVEL?.trim().toUpperCase();
  if (requested !== undefined && requested !== '' && !(LOG_LEVELS as readonly string[]).includes(requested)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${env.LOG_LEVEL}`);
  }
  const level = (requested === undefined || requested === '' ? 'INFO' : requested) as StartLogLevel;
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const directory =
    env.DATA_DIR === undefined || env.DATA_DIR === '' ? makeTempDir() : join(resolve(env.DATA_DIR), 'logs');
  return {
    echo: verbose || (requested !== undefined && requested !== ''),
    level,
    file: join(directory, 'platform.log'),
  };
};

const clock = (timestamp: unknown): string =>
  typeof timestamp === 'string' && timestamp.length >= 19
    ? timestamp.slice(11, 19)
    : new Date().toISOString().slice(11, 19);

/**
 * One log line as a person reads it: `13:53:31 INFO  orders-api  request method=GET path=/health status=200`.
 * A line that is not a JSON object is shown as it is.
 */
export const readableLine = (line: string): string => {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return line;
  const { level, message, timestamp, service, ...rest } = record as Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(
      ([key]) =>
        !['sampling_rate', 'xray_trace_id', 'function_arn', 'function_memory_size', 'function_request_id'].includes(
          key,
        ),
    )
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [clock(timestamp), String(level ?? '').padEnd(5), String(service ?? ''), String(message ?? ''), ...fields]
    .filter((part) => part !== '')
    .join(' ');
};

/** Receives log output in arbitrary chunks and writes whole lines to the file (and, when echoing, readable ones to `echo`). */
export class LogSink {
  private readonly stream: WriteStream;
  private pending = '';

  constructor(
    readonly settings: StartLogSettings,
    private readonly echo: (line: string) => void,
  ) {
    mkdirSync(join(settings.file, '..'), { recursive: true });
    this.stream = createWriteStream(settings.file, { flags: 'a' });
  }

  write(chunk: string | Uint8Array): void {
    const text = this.pending + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** Writes what is left and closes the file. */
  close(): Promise<void> {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
    return new Promise((done) => this.stream.end(done));
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    this.stream.write(`${line}\n`);
    if (this.settings.echo) this.echo(readableLine(line));
  }
}
