/** Reading deployables' settings from an environment map (passed in, so the domain never reads process.env). */
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

/** The base of the configuration area: a deployable cannot start. No HTTP status, it is never a request's fault. */
export abstract class ConfigError extends PlatformError {
  protected constructor(
    readonly key: string,
    message: string,
    options: PlatformErrorOptions,
  ) {
    super(message, options);
  }
}

export class ConfigKeyMissingError extends ConfigError {
  constructor(key: string) {
    super(key, `missing required environment variable ${key}`, { code: 'CONFIG_KEY_MISSING' });
    this.name = 'ConfigKeyMissingError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The trimmed value of `key`; throws ConfigKeyMissingError naming the key when it is unset or blank. */
export const requiredEnv = (env: Env, key: string): string => {
  const value = env[key]?.trim();
  if (value === undefined || value === '') throw new ConfigKeyMissingError(key);
  return value;
};

/** The trimmed value of `key`, or undefined when it is unset or blank. */
export const optionalEnv = (env: Env, key: string): string | undefined => {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

export class ConfigValueInvalidError extends ConfigError {
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(key, `environment variable ${key}: ${message}`, { code: 'CONFIG_VALUE_INVALID', cause: options?.cause });
    this.name = 'ConfigValueInvalidError';
  }
}
