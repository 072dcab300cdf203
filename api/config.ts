/**
 * The API's configuration: the ONE reader of its environment, parsed once at start, typed and frozen. A missing
 * required key throws naming the key; nothing else under api/ reads process.env.
 * AWS endpoints and the region are not settings of ours: the SDK reads AWS_REGION, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> itself, so the same build runs against AWS and the local cloud. Only the Cognito
 * endpoint is read here too, because the token issuer the API trusts follows it.
 */
import {
  ConfigError,
  ConfigKeyMissingError,
  ConfigValueInvalidError,
  optionalEnv,
  requiredEnv,
} from '../core/config/env';
import type { Env } from '../core/config/env';
import { parseReservedPorts } from '../core/webhooks/url-safety';

export type TokenUse = 'id' | 'access';

/** The user pool whose tokens the API accepts. */
export interface AuthSettings {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The Cognito API endpoint without a trailing slash; the issuer is `<cognitoEndpoint>/<userPoolId>`. */
  readonly cognitoEndpoint: string;
  /** The dashboard sends ID tokens; `access` for clients that send access tokens. */
  readonly tokenUse: TokenUse;
}

/**
 * How the API samples requests for X-Ray (XRAY_SAMPLING): `centralized` (the default, as in AWS: the account's
 * sampling rules through the daemon, the SDK's 1 request/s + 5% when none answer), `local` (those SDK defaults without
 * polling: what a load test sets), `all` (every request: the local cloud's default, so every order has its trace) and
 * `off` (no tracing: the baseline of scripts/tracing-overhead.ts). An incoming `Sampled=` decision always wins.
 */
export const TRACING_SAMPLING_MODES = ['centralized', 'local', 'all', 'off'] as const;
export type TracingSampling = (typeof TRACING_SAMPLING_MODES)[number];

export interface ApiConfig {
  /** Physical name of the `orders` table (TABLE_NAME); its `<prefix>-orders` also names the DLQs' stage prefix. */
  readonly tableName: string;
  /** Physical name of the platform bus (EVENT_BUS_NAME). */
  readonly eventBusName: string;
  /** PORT, default 3000. */
  readonly port: number;
  /** HOST, default 127.0.0.1 (the container sets 0.0.0.0). */
  readonly host: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** POWERTOOLS_SERVICE_NAME, default orders-api: the logger's service and the X-Ray segment name. */
  readonly serviceName: string;
  readonly idempotencyTtlSeconds: number;
  /** The built dashboard to serve at / (DASHBOARD_DIR); absent in AWS, where CloudFront serves it from S3. */
  readonly dashboardDir?: string;
  /** RECEIPTS_BUCKET; without it GET /api/orders/:id/receipt answers 503 NOT_CONFIGURED. */
  readonly receiptsBucket?: string;
  /** PARTNER_SECRETS_ARN; without it POST /webhooks/ingest/:partnerId answers 503 NOT_CONFIGURED. */
  readonly partnerSecretsArn?: string;
  /** The order saga (STATE_MACHINE_ARN): an operator's retry of a parked order starts an execution of it. */
  readonly stateMachineArn?: string;
  /** WEBHOOK_ALLOW_LOOPBACK=true (the local cloud only): http and loopback webhook URLs are accepted. */
  readonly webhookAllowLoopback: boolean;
  /** With loopback allowed: WEBHOOK_RESERVED_PORTS and the API's own port, which no webhook may target. */
  readonly webhookReservedPorts: readonly number[];
  /** LOCAL_CONTROL_PLANE_URL: the local cloud's /_local, added to /config.json; absent in AWS. */
  readonly localControlPlane?: string;
  /** USER_POOL_ID, USER_POOL_CLIENT_ID, AUTH_TOKEN_USE and the Cognito endpoint. */
  readonly auth: AuthSettings;
  /** XRAY_SAMPLING (TRACING_SAMPLING_MODES); every request is traced when absent (configs built by tests). */
  readonly tracingSampling?: TracingSampling;
}

export { ConfigError, ConfigKeyMissingError, ConfigValueInvalidError };

/** A Cognito setting that is missing or malformed; `key` names it. */
export class AuthConfigInvalidError extends ConfigError {
  constructor(key: string, message: string) {
    super(key, `environment variable ${key}: ${message}`, { code: 'AUTH_CONFIG_INVALID' });
    this.name = 'AuthConfigInvalidError';
  }
}

export class LocalControlPlaneUrlInvalidError extends ConfigError {
  constructor(value: string, options?: { cause?: unknown }) {
    super(
      'LOCAL_CONTROL_PLANE_URL',
      `environment variable LOCAL_CONTROL_PLANE_URL: ${JSON.stringify(value)} is not an http(s) URL`,
      { code: 'CONFIG_VALUE_INVALID', cause: options?.cause },
    );
    this.name = 'LocalControlPlaneUrlInvalidError';
  }
}

const USER_POOL_ID = /^(?<region>(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d)_[a-zA-Z0-9]+$/;

/** The region of a user pool, from its id (`eu-west-1_AbC123` -> `eu-west-1`). */
export const userPoolRegion = (userPoolId: string): string => {
  const region = USER_POOL_ID.exec(userPoolId)?.groups?.region;
  if (region === undefined)
    throw new AuthConfigInvalidError(
      'USER_POOL_ID',
      `${JSON.stringify(userPoolId)} is not a user pool id (<region>_<id>)`,
    );
  return region;
};

/** Cognito's public endpoint in a region: what the SDK uses when no endpoint is configured. */
export const awsCognitoEndpoint = (region: string): string => `https://cognito-idp.${region}.amazonaws.com`;

/** An http(s) URL without a trailing slash, or undefined when unset; `invalid` builds the error naming the key. */
const httpUrl = (
  env: Env,
  key: string,
  invalid: (raw: string, message: string, cause?: unknown) => Error,
): string | undefined => {
  const raw = optionalEnv(env, key);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw invalid(raw, `${JSON.stringify(raw)} is not a URL`, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(raw, 'expected an http or https URL');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
};

const cognitoEndpointFrom = (env: Env, key: string): string | undefined =>
  httpUrl(env, key, (_raw, message) => new AuthConfigInvalidError(key, message));

/** Reads USER_POOL_ID, USER_POOL_CLIENT_ID, AUTH_TOKEN_USE and the SDK's Cognito endpoint settings; throws naming the key. */
export const loadAuthSettings = (env: Env = process.env): Readonly<AuthSettings> => {
  const required = (key: string): string => {
    const value = optionalEnv(env, key);
    if (value === undefined)
      throw new AuthConfigInvalidError(key, 'missing; the API verifies Cognito tokens of this user pool');
    return value;
  };
  const userPoolId = required('USER_POOL_ID');
  const region = userPoolRegion(userPoolId);
  const tokenUse = optionalEnv(env, 'AUTH_TOKEN_USE') ?? 'id';
  if (tokenUse !== 'id' && tokenUse !== 'access')
    throw new AuthConfigInvalidError('AUTH_TOKEN_USE', 'expected id or access');
  const cognitoEndpoint =
    cognitoEndpointFrom(env, 'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER') ??
    cognitoEndpointFrom(env, 'AWS_ENDPOINT_URL') ??
    awsCognitoEndpoint(region);
  return Object.freeze({ userPoolId, userPoolClientId: required('USER_POOL_CLIENT_ID'), cognitoEndpoint, tokenUse });
};

/** LOCAL_CONTROL_PLANE_URL without a trailing slash, or undefined when unset or empty; throws when it is not an http(s) URL. */
export const localControlPlaneFromEnv = (env: Env): string | undefined =>
  httpUrl(
    env,
    'LOCAL_CONTROL_PLANE_URL',
    (raw, _message, cause) => new LocalControlPlaneUrlInvalidError(raw, { cause }),
  );

const integer = (env: Env, key: string, fallback: number, min: number, max: number): number => {
  const raw = optionalEnv(env, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigValueInvalidError(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
};

const boolean = (env: Env, key: string): boolean => {
  const raw = optionalEnv(env, key);
  return raw === 'true';
};

const reservedPorts = (env: Env): number[] => {
  try {
    return parseReservedPorts(optionalEnv(env, 'WEBHOOK_RESERVED_PORTS'));
  } catch (error) {
    throw new ConfigValueInvalidError('WEBHOOK_RESERVED_PORTS', (error as Error).message);
  }
};

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

/** Every setting of the API, from `env` (process.env by default); throws ConfigError subclasses naming the key. */
export const loadConfig = (env: Env = process.env): Readonly<ApiConfig> => {
  const logLevel = (optionalEnv(env, 'LOG_LEVEL') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new ConfigValueInvalidError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  const dashboardDir = optionalEnv(env, 'DASHBOARD_DIR');
  const receiptsBucket = optionalEnv(env, 'RECEIPTS_BUCKET');
  const partnerSecretsArn = optionalEnv(env, 'PARTNER_SECRETS_ARN');
  const stateMachineArn = optionalEnv(env, 'STATE_MACHINE_ARN');
  const localControlPlane = localControlPlaneFromEnv(env);
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const tracingSampling = (optionalEnv(env, 'XRAY_SAMPLING') ?? 'centralized').toLowerCase();
  if (!(TRACING_SAMPLING_MODES as readonly string[]).includes(tracingSampling))
    throw new ConfigValueInvalidError('XRAY_SAMPLING', `expected one of ${TRACING_SAMPLING_MODES.join(', ')}`);
  return Object.freeze({
    tableName: requiredEnv(env, 'TABLE_NAME'),
    eventBusName: requiredEnv(env, 'EVENT_BUS_NAME'),
    port,
    host: optionalEnv(env, 'HOST') ?? '127.0.0.1',
    logLevel: logLevel as ApiConfig['logLevel'],
    serviceName: optionalEnv(env, 'POWERTOOLS_SERVICE_NAME') ?? 'orders-api',
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 24 * 60 * 60, 60, 30 * 24 * 60 * 60),
    ...(dashboardDir === undefined ? {} : { dashboardDir }),
    ...(receiptsBucket === undefined ? {} : { receiptsBucket }),
    ...(partnerSecretsArn === undefined ? {} : { partnerSecretsArn }),
    ...(stateMachineArn === undefined ? {} : { stateMachineArn }),
    webhookAllowLoopback: boolean(env, 'WEBHOOK_ALLOW_LOOPBACK'),
    webhookReservedPorts: boolean(env, 'WEBHOOK_ALLOW_LOOPBACK') ? [...reservedPorts(env), port] : [],
    ...(localControlPlane === undefined ? {} : { localControlPlane }),
    auth: loadAuthSettings(env),
    tracingSampling: tracingSampling as TracingSampling,
  });
};
