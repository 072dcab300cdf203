/**
 * The local Cognito's vocabulary: users, pools, clients and refresh grants as stored, the token lifetimes and CORS
 * headers, and the helpers (ids, stable subs, password hashing and policy, request fields) the engine and the JSON
 * API share.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from '../edge/types';
import type { SigningKey } from './jwt';

export const ACCOUNT = '000000000000';
export const TOKEN_VALIDITY_SECONDS = 3600;
export const REFRESH_VALIDITY_SECONDS = 30 * 24 * 3600;
/** Local only: a cheap scrypt cost, so sign-ins in tests take about a millisecond. */
export const SCRYPT_COST = { N: 1024, r: 8, p: 1 };
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-allow-headers':
    'content-type, x-amz-target, x-amz-user-agent, authorization, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-max-age': '600',
};
/** Actions AWS serves without SigV4 (the caller proves itself with a password or a token). */
export const UNSIGNED_ACTIONS = new Set(['InitiateAuth', 'GetUser']);

export type UserStatus = 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';

export interface PasswordHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export interface User {
  readonly username: string;
  readonly sub: string;
  readonly attributes: Map<string, string>;
  password?: PasswordHash;
  status: UserStatus;
  readonly enabled: boolean;
  readonly groups: Set<string>;
  readonly created: number;
  modified: number;
}

export interface Client {
  readonly clientId: string;
  readonly clientName: string;
}

export interface Pool {
  readonly id: string;
  readonly name: string;
  readonly key: SigningKey;
  readonly clients: Map<string, Client>;
  /** By lower-cased username: usernames are case-insensitive, as in pools created by the console today. */
  readonly users: Map<string, User>;
  readonly groups: Map<string, { readonly name: string; readonly description?: string }>;
  readonly created: number;
}

export interface RefreshGrant {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly authTime: number;
  readonly originJti: string;
  readonly expiresAt: number;
}

export interface LocalCognitoOptions {
  readonly region?: string;
  /** Epoch milliseconds; tests move it to expire tokens. */
  readonly now?: () => number;
}

export interface AuthenticationResult {
  readonly IdToken: string;
  readonly AccessToken: string;
  readonly RefreshToken?: string;
  readonly ExpiresIn: number;
  readonly TokenType: 'Bearer';
}

export const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const randomId = (length: number, alphabet = ALNUM): string =>
  Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');

/** A stable, UUID-shaped `sub` for a user of a pool, so a restarted local cloud keeps owners of persisted orders. */
export const stableSub = (poolId: string, username: string): string => {
  const hex = createHash('sha256').update(`${poolId}/${username.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export const hashPassword = (password: string): PasswordHash => {
  const salt = randomBytes(16);
  return { salt, hash: scryptSync(password, salt, 32, SCRYPT_COST) };
};

export const passwordMatches = (password: string, stored: PasswordHash): boolean =>
  timingSafeEqual(scryptSync(password, stored.salt, 32, SCRYPT_COST), stored.hash);

/** Cognito's default policy: at least 8 characters with a lower-case letter, an upper-case letter, a digit and a symbol. */
export const passwordPolicyViolations = (password: string): string[] => {
  const violations: string[] = [];
  if (password.length < 8) violations.push('Password not long enough');
  if (!/[a-z]/.test(password)) violations.push('Password must have lowercase characters');
  if (!/[A-Z]/.test(password)) violations.push('Password must have uppercase characters');
  if (!/[0-9]/.test(password)) violations.push('Password must have numeric characters');
  if (!/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/.test(password)) violations.push('Password must have symbol characters');
  return violations;
};

export const invalidParameter = (message: string): AwsServiceError =>
  new AwsServiceError('InvalidParameterException', message);

export type Body = Record<string, unknown>;

export const stringField = (body: Body, name: string, required = true): string | undefined => {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required)
      throw invalidParameter(
        `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `${name} must be a string`);
  return value;
};

export const requiredString = (body: Body, name: string): string => stringField(body, name) as string;

export const attributesOf = (user: User): { Name: string; Value: string }[] => [
  { Name: 'sub', Value: user.sub },
  ...[...user.attributes].map(([Name, Value]) => ({ Name, Value })),
];

export const presentUser = (user: User) => ({
  Username: user.username,
  Attributes: attributesOf(user),
  UserCreateDate: user.created / 1000,
  UserLastModifiedDate: user.modified / 1000,
  Enabled: user.enabled,
  UserStatus: user.status,
});
