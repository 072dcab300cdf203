/**
 * The API's configuration, parsed once at start from the environment, typed and frozen.
 * AWS endpoints and the region are NOT here: the SDK reads AWS_REGION, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> itself, so the same build runs against AWS and the local cloud.
 */
import { ConfigKeyMissingError, ConfigValueInvalidError, requiredEnv } from '../core/config/env';
import type { Env } from '../core/config/env';

export interface ApiConfig {
  /** Physical name of the `orders` table. */
  readonly tableName: string;
  /** Physical name of the platform bus. */
  readonly eventBusName: string;
  readonly port: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  readonly serviceName: string;
  readonly idempotencyTtlSeconds: number;
  /** The built dashboard to serve at / (DASHBOARD_DIR); absent in AWS, where CloudFront serves it from S3. */
  readonly dashboardDir?: string;
}

export { ConfigKeyMissingError, ConfigValueInvalidError };


const required = requiredEnv;

const integer = (env: Env, key: string, fallback: number, min: number, max: number): number => {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigValueInvalidError(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
};

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

export const loadConfig = (env: Env = process.env): Readonly<ApiConfig> => {
  const logLevel = (env.LOG_LEVEL?.trim() || 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigValueInvalidError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  return Object.freeze({
    tableName: required(env, 'TABLE_NAME'),
    eventBusName: required(env, 'EVENT_BUS_NAME'),
    port: integer(env, 'PORT', 3000, 0, 65535),
    logLevel: logLevel as ApiConfig['logLevel'],
    serviceName: env.POWERTOOLS_SERVICE_NAME?.trim() || 'orders-api',
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 24 * 60 * 60, 60, 30 * 24 * 60 * 60),
    ...(env.DASHBOARD_DIR?.trim() ? { dashboardDir: env.DASHBOARD_DIR.trim() } : {}),
  });
};
