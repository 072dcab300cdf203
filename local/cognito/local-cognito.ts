/**
 * A Cognito user pool emulation for the local cloud (signing name `cognito-idp`, AWS JSON 1.1 protocol), serving
 * the part of the API the platform, its tests and the dashboard use:
 *
 *   InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH / REFRESH_TOKEN; unsigned, as in AWS), GetUser (access
 *   token), AdminCreateUser, AdminSetUserPassword, AdminAddUserToGroup, AdminGetUser, ListUsers, CreateGroup,
 *   CreateUserPool, CreateUserPoolClient (signed).
 *
 * Tokens are RS256 JWTs with Cognito's claims, signed by a key pair generated when the pool is created; the public
 * key is served as the pool's JWKS at `GET /<userPoolId>/.well-known/jwks.json` on the edge (see `route`), and the
 * issuer is `<edge URL>/<userPoolId>`. Passwords are kept as scrypt hashes. Errors carry Cognito's exception names,
 * so the unmodified SDK raises NotAuthorizedException, UserNotFoundException and the like.
 */
import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { ExtraRoute } from '../edge/server';
import { AwsServiceError, jsonErrorResponse, jsonResponse, type EdgeRequest, type EdgeResponse, type ServiceEmulator } from '../edge/types';
import { decodeJwt, generateSigningKey, JwtMalformedError, JwtSignatureInvalidError, signJwt, verifyJwtSignature, type PublicJwk, type SigningKey } from './jwt';

const ACCOUNT = '000000000000';
const TOKEN_VALIDITY_SECONDS = 3600;
const REFRESH_VALIDITY_SECONDS = 30 * 24 * 3600;
/** Local only: a cheap scrypt cost, so sign-ins in tests take about a millisecond. */
const SCRYPT_COST = { N: 1024, r: 8, p: 1 };
const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-allow-headers': 'content-type, x-amz-target, x-amz-user-agent, authorization, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-max-age': '600',
};
/** Actions AWS serves without SigV4 (the caller proves itself with a password or a token). */
const UNSIGNED_ACTIONS = new Set(['InitiateAuth', 'GetUser']);

export type UserStatus = 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';

interface PasswordHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

interface User {
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

interface Client {
  readonly clientId: string;
  readonly clientName: string;
}

interface Pool {
  readonly id: string;
  readonly name: string;
  readonly key: SigningKey;
  readonly clients: Map<string, Client>;
  /** By lower-cased username: usernames are case-insensitive, as in pools created by the console today. */
  readonly users: Map<string, User>;
  readonly groups: Map<string, { readonly name: string; readonly description?: string }>;
  readonly created: number;
}

interface RefreshGrant {
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

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomId = (length: number, alphabet = ALNUM): string => Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');

/** A stable, UUID-shaped `sub` for a user of a pool, so a restarted local cloud keeps owners of persisted orders. */
export const stableSub = (poolId: string, username: string): string => {
  const hex = createHash('sha256').update(`${poolId}/${username.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const hashPassword = (password: string): PasswordHash => {
  const salt = randomBytes(16);
  return { salt, hash: scryptSync(password, salt, 32, SCRYPT_COST) };
};

const passwordMatches = (password: string, stored: PasswordHash): boolean => timingSafeEqual(scryptSync(password, stored.salt, 32, SCRYPT_COST), stored.hash);

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

const invalidParameter = (message: string): AwsServiceError => new AwsServiceError('InvalidParameterException', message);

type Body = Record<string, unknown>;

const stringField = (body: Body, name: string, required = true): string | undefined => {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `${name} must be a string`);
  return value;
};

const requiredString = (body: Body, name: string): string => stringField(body, name) as string;

const attributesOf = (user: User): { Name: string; Value: string }[] => [{ Name: 'sub', Value: user.sub }, ...[...user.attributes].map(([Name, Value]) => ({ Name, Value }))];

const presentUser = (user: User) => ({
  Username: user.username,
  Attributes: attributesOf(user),
  UserCreateDate: user.created / 1000,
  UserLastModifiedDate: user.modified / 1000,
  Enabled: user.enabled,
  UserStatus: user.status,
});

export class LocalCognito implements ServiceEmulator {
  readonly signingNames = ['cognito-idp'] as const;
  readonly region: string;
  private readonly now: () => number;
  private readonly pools = new Map<string, Pool>();
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private baseUrl = 'http://127.0.0.1:4566';

  constructor(options: LocalCognitoOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
  }

  /** The edge URL the issuer is built from (`<baseUrl>/<userPoolId>`); set once the edge listens. */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  issuer(userPoolId: string): string {
    return `${this.baseUrl}/${userPoolId}`;
  }

  /** Creates a pool with a fresh signing key. `id` must look like `<region>_<letters and digits>`. */
  createUserPool(name: string, id = `${this.region}_${randomId(9)}`): { id: string; arn: string } {
    if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(id)) throw invalidParameter(`Invalid user pool id ${id}`);
    if (this.pools.has(id)) throw invalidParameter(`User pool ${id} already exists`);
    this.pools.set(id, { id, name, key: generateSigningKey(), clients: new Map(), users: new Map(), groups: new Map(), created: this.now() });
    return { id, arn: this.poolArn(id) };
  }

  createUserPoolClient(userPoolId: string, clientName: string, clientId = randomId(26, 'abcdefghijklmnopqrstuvwxyz0123456789')): { clientId: string } {
    const pool = this.pool(userPoolId);
    if ([...this.pools.values()].some((candidate) => candidate.clients.has(clientId))) throw invalidParameter(`Client ${clientId} already exists`);
    pool.clients.set(clientId, { clientId, clientName });
    return { clientId };
  }

  createGroup(userPoolId: string, groupName: string, description?: string): void {
    const pool = this.pool(userPoolId);
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(groupName)) throw invalidParameter('GroupName must be 1-128 characters without spaces');
    if (pool.groups.has(groupName)) throw new AwsServiceError('GroupExistsException', 'A group with the name already exists.');
    pool.groups.set(groupName, { name: groupName, ...(description === undefined ? {} : { description }) });
  }

  /** A user in FORCE_CHANGE_PASSWORD (with a temporary password) until AdminSetUserPassword makes one permanent. */
  adminCreateUser(userPoolId: string, username: string, attributes: Readonly<Record<string, string>> = {}, temporaryPassword?: string): ReturnType<typeof presentUser> {
    const pool = this.pool(userPoolId);
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(username)) throw invalidParameter('Username must be 1-128 characters without spaces');
    if (pool.users.has(username.toLowerCase())) throw new AwsServiceError('UsernameExistsException', 'User account already exists');
    if (temporaryPassword !== undefined) this.checkPolicy(temporaryPassword);
    if ('sub' in attributes) throw invalidParameter('Cannot modify the non-mutable attribute sub');
    const now = this.now();
    const user: User = {
      username,
      sub: stableSub(userPoolId, username),
      attributes: new Map(Object.entries(attributes)),
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      groups: new Set(),
      created: now,
      modified: now,
      ...(temporaryPassword === undefined ? {} : { password: hashPassword(temporaryPassword) }),
    };
    pool.users.set(username.toLowerCase(), user);
    return presentUser(user);
  }

  adminSetUserPassword(userPoolId: string, username: string, password: string, permanent: boolean): void {
    const user = this.user(userPoolId, username);
    this.checkPolicy(password);
    user.password = hashPassword(password);
    user.status = permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
    user.modified = this.now();
  }

  adminAddUserToGroup(userPoolId: string, username: string, groupName: string): void {
    const pool = this.pool(userPoolId);
    if (!pool.groups.has(groupName)) throw new AwsServiceError('ResourceNotFoundException', 'Group not found.');
    this.user(userPoolId, username).groups.add(groupName);
  }

  adminGetUser(userPoolId: string, username: string): ReturnType<typeof presentUser> {
    return presentUser(this.user(userPoolId, username));
  }

  listUsers(userPoolId: string, limit = 60, paginationToken?: string): { Users: ReturnType<typeof presentUser>[]; PaginationToken?: string } {
    if (!Number.isInteger(limit) || limit < 0 || limit > 60) throw invalidParameter('Limit must be from 0 to 60');
    const users = [...this.pool(userPoolId).users.values()].sort((a, b) => a.username.localeCompare(b.username));
    const start = paginationToken === undefined ? 0 : Number(Buffer.from(paginationToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > users.length) throw invalidParameter('Invalid PaginationToken');
    const page = users.slice(start, start + (limit === 0 ? 60 : limit));
    const next = start + page.length;
    return { Users: page.map(presentUser), ...(next < users.length ? { PaginationToken: Buffer.from(String(next)).toString('base64url') } : {}) };
  }

  /** InitiateAuth. Wrong passwords and unknown users answer the same NotAuthorizedException (no user enumeration). */
  initiateAuth(clientId: string, authFlow: string, parameters: Readonly<Record<string, string>>): { AuthenticationResult?: AuthenticationResult; ChallengeName?: string; Session?: string; ChallengeParameters: Record<string, string> } {
    const { pool, client } = this.client(clientId);
    if (authFlow === 'USER_PASSWORD_AUTH') {
      const username = parameters.USERNAME;
      const password = parameters.PASSWORD;
      if (username === undefined || password === undefined) throw invalidParameter('Missing required parameter USERNAME or PASSWORD');
      const user = pool.users.get(username.toLowerCase());
      if (user === undefined || user.password === undefined || !passwordMatches(password, user.password)) throw new AwsServiceError('NotAuthorizedException', 'Incorrect username or password.');
      if (!user.enabled) throw new AwsServiceError('NotAuthorizedException', 'User is disabled.');
      if (user.status === 'FORCE_CHANGE_PASSWORD') {
        return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: randomId(64), ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: '[]', userAttributes: JSON.stringify(Object.fromEntries(user.attributes)) } };
      }
      const authTime = Math.floor(this.now() / 1000);
      const originJti = randomUUID();
      const refreshToken = randomId(32) + '.' + randomId(32) + '.' + randomId(32);
      this.refreshGrants.set(refreshToken, { poolId: pool.id, clientId: client.clientId, username: user.username, authTime, originJti, expiresAt: this.now() + REFRESH_VALIDITY_SECONDS * 1000 });
      return { AuthenticationResult: { ...this.issueTokens(pool, client, user, authTime, originJti), RefreshToken: refreshToken }, ChallengeParameters: {} };
    }
    if (authFlow === 'REFRESH_TOKEN_AUTH' || authFlow === 'REFRESH_TOKEN') {
      const token = parameters.REFRESH_TOKEN;
      if (token === undefined) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
      const grant = this.refreshGrants.get(token);
      if (grant === undefined || grant.clientId !== client.clientId || grant.expiresAt <= this.now()) throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      const user = pool.users.get(grant.username.toLowerCase());
      if (user === undefined) throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      return { AuthenticationResult: this.issueTokens(pool, client, user, grant.authTime, grant.originJti), ChallengeParameters: {} };
    }
    throw invalidParameter(`The local Cognito supports the auth flows USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, not ${authFlow}`);
  }

  /** GetUser: the user an access token names, after checking its signature, use and expiry. */
  getUser(accessToken: string): { Username: string; UserAttributes: { Name: string; Value: string }[] } {
    const claims = this.verifyAccessToken(accessToken);
    const user = this.pools.get(String(claims.iss).split('/').at(-1) ?? '')?.users.get(String(claims.username).toLowerCase());
    if (user === undefined) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
    return { Username: user.username, UserAttributes: attributesOf(user) };
  }

  /** The pool's JWKS, as served at `/<userPoolId>/.well-known/jwks.json`. */
  jwks(userPoolId: string): { keys: PublicJwk[] } {
    return { keys: [this.pool(userPoolId).key.jwk] };
  }

  /**
   * Signs arbitrary claims with the pool's key. For tests that need a token Cognito would never issue (expired,
   * another issuer, another client, tampered); nothing in the local cloud serves it over HTTP.
   */
  signWithPoolKey(userPoolId: string, claims: Readonly<Record<string, unknown>>): string {
    return signJwt(this.pool(userPoolId).key, claims);
  }

  /** Answers every client error in AWS's shape with the CORS headers, so a browser can read NotAuthorizedException. */
  handle = async (request: EdgeRequest): Promise<EdgeResponse> => {
    try {
      return { ...jsonResponse(this.answer(request)), headers: { 'content-type': 'application/x-amz-json-1.1', ...CORS_HEADERS } };
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      const answer = jsonErrorResponse(error);
      return { ...answer, headers: { ...answer.headers, ...CORS_HEADERS } };
    }
  };

  private answer(request: EdgeRequest): unknown {
    const action = request.action ?? '';
    let body: Body;
    try {
      const parsed: unknown = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AwsServiceError('SerializationException', 'The request body must be a JSON object');
      body = parsed as Body;
    } catch (error) {
      if (error instanceof AwsServiceError) throw error;
      throw new AwsServiceError('SerializationException', 'The request body is not valid JSON');
    }
    if (!UNSIGNED_ACTIONS.has(action) && typeof request.headers.authorization !== 'string') {
      throw new AwsServiceError('MissingAuthenticationTokenException', `${action || 'This action'} needs a SigV4-signed request`, 403);
    }
    return this.dispatch(action, body);
  }

  /**
   * The edge route for the pool's public documents (JWKS, OpenID configuration) and the browser's CORS preflight
   * to the Cognito endpoint. Answers undefined for everything else.
   */
  readonly route: ExtraRoute = async (request) => {
    if (request.method === 'OPTIONS' && request.path === '/' && request.headers['access-control-request-method'] !== undefined) {
      return { status: 204, headers: { ...CORS_HEADERS } };
    }
    if (request.method !== 'GET' || typeof request.headers.authorization === 'string') return undefined;
    const match = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(request.path);
    if (!match) return undefined;
    const [, poolId, document] = match as unknown as [string, string, string];
    const pool = this.pools.get(poolId);
    if (pool === undefined) return { status: 404, headers: { 'content-type': 'application/json', ...CORS_HEADERS }, body: JSON.stringify({ message: `User pool ${poolId} does not exist.` }) };
    const answer =
      document === 'jwks.json'
        ? this.jwks(poolId)
        : { issuer: this.issuer(poolId), jwks_uri: `${this.issuer(poolId)}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'], subject_types_supported: ['public'], response_types_supported: ['token'] };
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300', ...CORS_HEADERS }, body: JSON.stringify(answer) };
  };

  private dispatch(action: string, body: Body): unknown {
    switch (action) {
      case 'InitiateAuth': {
        const parameters = body.AuthParameters ?? {};
        if (typeof parameters !== 'object' || parameters === null || Object.values(parameters).some((value) => typeof value !== 'string')) throw invalidParameter('AuthParameters must map names to strings');
        return this.initiateAuth(requiredString(body, 'ClientId'), requiredString(body, 'AuthFlow'), parameters as Record<string, string>);
      }
      case 'GetUser':
        return this.getUser(requiredString(body, 'AccessToken'));
      case 'CreateUserPool': {
        const { id, arn } = this.createUserPool(requiredString(body, 'PoolName'));
        return { UserPool: { Id: id, Name: body.PoolName, Arn: arn, CreationDate: this.now() / 1000 } };
      }
      case 'CreateUserPoolClient': {
        const userPoolId = requiredString(body, 'UserPoolId');
        const { clientId } = this.createUserPoolClient(userPoolId, requiredString(body, 'ClientName'));
        return { UserPoolClient: { UserPoolId: userPoolId, ClientId: clientId, ClientName: body.ClientName, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] } };
      }
      case 'CreateGroup': {
        const userPoolId = requiredString(body, 'UserPoolId');
        const groupName = requiredString(body, 'GroupName');
        const description = stringField(body, 'Description', false);
        this.createGroup(userPoolId, groupName, description);
        return { Group: { GroupName: groupName, UserPoolId: userPoolId, ...(description === undefined ? {} : { Description: description }) } };
      }
      case 'AdminCreateUser': {
        const rawAttributes = body.UserAttributes ?? [];
        if (!Array.isArray(rawAttributes) || rawAttributes.some((entry: unknown) => typeof (entry as Body | null)?.Name !== 'string' || typeof (entry as Body).Value !== 'string')) {
          throw invalidParameter('UserAttributes must be a list of {Name, Value} strings');
        }
        const attributes = Object.fromEntries((rawAttributes as { Name: string; Value: string }[]).map((entry) => [entry.Name, entry.Value]));
        return { User: this.adminCreateUser(requiredString(body, 'UserPoolId'), requiredString(body, 'Username'), attributes, stringField(body, 'TemporaryPassword', false)) };
      }
      case 'AdminSetUserPassword':
        this.adminSetUserPassword(requiredString(body, 'UserPoolId'), requiredString(body, 'Username'), requiredString(body, 'Password'), body.Permanent === true);
        return {};
      case 'AdminAddUserToGroup':
        this.adminAddUserToGroup(requiredString(body, 'UserPoolId'), requiredString(body, 'Username'), requiredString(body, 'GroupName'));
        return {};
      case 'AdminGetUser': {
        const user = this.adminGetUser(requiredString(body, 'UserPoolId'), requiredString(body, 'Username'));
        return { Username: user.Username, UserAttributes: user.Attributes, UserCreateDate: user.UserCreateDate, UserLastModifiedDate: user.UserLastModifiedDate, Enabled: user.Enabled, UserStatus: user.UserStatus };
      }
      case 'ListUsers': {
        const limit = body.Limit === undefined ? undefined : Number(body.Limit);
        return this.listUsers(requiredString(body, 'UserPoolId'), limit, stringField(body, 'PaginationToken', false));
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `The local Cognito does not implement ${action || 'requests without X-Amz-Target'}`);
    }
  }

  private issueTokens(pool: Pool, client: Client, user: User, authTime: number, originJti: string): Omit<AuthenticationResult, 'RefreshToken'> {
    const iat = Math.floor(this.now() / 1000);
    const groups = [...user.groups].sort();
    const common = {
      sub: user.sub,
      ...(groups.length > 0 ? { 'cognito:groups': groups } : {}),
      iss: this.issuer(pool.id),
      origin_jti: originJti,
      event_id: randomUUID(),
      auth_time: authTime,
      iat,
      exp: iat + TOKEN_VALIDITY_SECONDS,
    };
    const email = user.attributes.get('email');
    const idToken = signJwt(pool.key, {
      ...common,
      aud: client.clientId,
      token_use: 'id',
      'cognito:username': user.username,
      ...(email === undefined ? {} : { email, email_verified: user.attributes.get('email_verified') === 'true' }),
      jti: randomUUID(),
    });
    const accessToken = signJwt(pool.key, {
      ...common,
      client_id: client.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.username,
      jti: randomUUID(),
    });
    return { IdToken: idToken, AccessToken: accessToken, ExpiresIn: TOKEN_VALIDITY_SECONDS, TokenType: 'Bearer' };
  }

  private verifyAccessToken(token: string): Record<string, unknown> {
    let unverified: Record<string, unknown>;
    try {
      unverified = decodeJwt(token).payload;
    } catch (error) {
      if (error instanceof JwtMalformedError) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      throw error;
    }
    const pool = [...this.pools.values()].find((candidate) => this.issuer(candidate.id) === unverified.iss);
    if (pool === undefined) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
    let claims: Record<string, unknown>;
    try {
      claims = verifyJwtSignature(pool.key, token);
    } catch (error) {
      if (error instanceof JwtSignatureInvalidError || error instanceof JwtMalformedError) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      throw error;
    }
    if (claims.token_use !== 'access') throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now()) throw new AwsServiceError('NotAuthorizedException', 'Access Token has expired');
    return claims;
  }

  private checkPolicy(password: string): void {
    const violations = passwordPolicyViolations(password);
    if (violations.length > 0) throw new AwsServiceError('InvalidPasswordException', `Password did not conform with policy: ${violations[0]}`);
  }

  private poolArn(id: string): string {
    return `arn:aws:cognito-idp:${this.region}:${ACCOUNT}:userpool/${id}`;
  }

  private pool(userPoolId: string): Pool {
    const pool = this.pools.get(userPoolId);
    if (pool === undefined) throw new AwsServiceError('ResourceNotFoundException', `User pool ${userPoolId} does not exist.`);
    return pool;
  }

  private client(clientId: string): { pool: Pool; client: Client } {
    for (const pool of this.pools.values()) {
      const client = pool.clients.get(clientId);
      if (client !== undefined) return { pool, client };
    }
    throw new AwsServiceError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
  }

  private user(userPoolId: string, username: string): User {
    const user = this.pool(userPoolId).users.get(username.toLowerCase());
    if (user === undefined) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
    return user;
  }
}
