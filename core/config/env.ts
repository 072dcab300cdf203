/** Reading deployables' settings from an environment map (passed in, so the domain never reads process.env). */

export class ConfigKeyMissingError extends Error {
  constructor(readonly key: string) {
    super(`missing required environment variable ${key}`);
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

export class ConfigValueInvalidError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`environment variable ${key}: ${message}`);
    this.name = 'ConfigValueInvalidError';
  }
}
