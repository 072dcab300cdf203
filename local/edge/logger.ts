/**
 * The local cloud's small structured logger: one JSON line per entry on stderr, the same shape as Powertools
 * (level, message, timestamp, service, extra keys). LOCAL_CLOUD_LOG_LEVEL (debug|info|warn|error|silent) filters.
 */
export type LocalLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LocalLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown> | unknown): void;
}

const RANK: Readonly<Record<LocalLogLevel | 'silent', number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

const threshold = (): number => {
  const configured = process.env.LOCAL_CLOUD_LOG_LEVEL?.toLowerCase();
  return configured && configured in RANK ? RANK[configured as LocalLogLevel] : RANK.info;
};

const describe = (value: unknown): Record<string, unknown> | undefined => {
  if (value === undefined) return undefined;
  if (value instanceof Error) return { error: { name: value.name, message: value.message, stack: value.stack } };
  if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  return { detail: value };
};

/** A logger for one part of the local cloud (`service` on every line). */
export const createLocalLogger = (
  service: string,
  write: (line: string) => void = (line) => process.stderr.write(line),
): LocalLogger => {
  const log = (level: LocalLogLevel, message: string, extra?: unknown): void => {
    if (RANK[level] < threshold()) return;
    write(
      `${JSON.stringify({ level: level.toUpperCase(), message, timestamp: new Date().toISOString(), service: `local-cloud/${service}`, ...describe(extra) })}\n`,
    );
  };
  return {
    debug: (message, extra) => log('debug', message, extra),
    info: (message, extra) => log('info', message, extra),
    warn: (message, extra) => log('warn', message, extra),
    error: (message, extra) => log('error', message, extra),
  };
};
