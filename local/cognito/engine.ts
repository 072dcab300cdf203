/**
 * The local Cognito's engine: user pools with their RS256 signing keys, app clients, groups and users (scrypt
 * password hashes, Cognito's password policy), sign-in with USER_PASSWORD_AUTH and refresh tokens, and tokens with
 * Cognito's claims. The wire format and the pool's public documents are cognito-api.ts's.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../edge/types';
import {
  decodeJwt,
  generateSigningKey,
  JwtMalformedError,
  JwtSignatureInvalidError,
  signJwt,
  verifyJwtSignature,
  type PublicJwk,
} from './jwt';
import {
  ACCOUNT,
  TOKEN_VALIDITY_SECONDS,
  REFRESH_VALIDITY_SECONDS,
  randomId,
  stableSub,
  hashPassword,
  passwordMatches,
  passwordPolicyViolations,
  invalidParameter,
  attributesOf,
  presentUser,
  type User,
  type Client,
  type Pool,
  type RefreshGrant,
  type LocalCognitoOptions,
  type AuthenticationResult,
} from './model';

export class CognitoEngine {
  readonly region: string;
  readonly now: () => number;
  readonly pools = new Map<string, Pool>();
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
    this.pools.set(id, {
      id,
      name,
      key: generateSigningKey(),
      clients: new Map(),
      users: new Map(),
      groups: new Map(),
      created: this.now(),
    });
    return { id, arn: this.poolArn(id) };
  }

  createUserPoolClient(
    userPoolId: string,
    clientName: string,
    clientId = randomId(26, 'abcdefghijklmnopqrstuvwxyz0123456789'),
  ): { clientId: string } {
    const pool = this.pool(userPoolId);
    if ([...this.pools.values()].some((candidate) => candidate.clients.has(clientId)))
      throw invalidParameter(`Client ${clientId} already exists`);
    pool.clients.set(clientId, { clientId, clientName });
    return { clientId };
  }

  createGroup(userPoolId: string, groupName: string, description?: string): void {
    const pool = this.pool(userPoolId);
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(groupName))
      throw invalidParameter('GroupName must be 1-128 characters without spaces');
    if (pool.groups.has(groupName))
      throw new AwsServiceError('GroupExistsException', 'A group with the name already exists.');
    pool.groups.set(groupName, { name: groupName, ...(description === undefined ? {} : { description }) });
  }

  /** A user in FORCE_CHANGE_PASSWORD (with a temporary password) until AdminSetUserPassword makes one permanent. */
  adminCreateUser(
    userPoolId: string,
    username: string,
    attributes: Readonly<Record<string, string>> = {},
    temporaryPassword?: string,
  ): ReturnType<typeof presentUser> {
    const pool = this.pool(userPoolId);
    if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(username))
      throw invalidParameter('Username must be 1-128 characters without spaces');
    if (pool.users.has(username.toLowerCase()))
      throw new AwsServiceError('UsernameExistsException', 'User account already exists');
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

  listUsers(
    userPoolId: string,
    limit = 60,
    paginationToken?: string,
  ): { Users: ReturnType<typeof presentUser>[]; PaginationToken?: string } {
    if (!Number.isInteger(limit) || limit < 0 || limit > 60) throw invalidParameter('Limit must be from 0 to 60');
    const users = [...this.pool(userPoolId).users.values()].sort((a, b) => a.username.localeCompare(b.username));
    const start =
      paginationToken === undefined ? 0 : Number(Buffer.from(paginationToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > users.length)
      throw invalidParameter('Invalid PaginationToken');
    const page = users.slice(start, start + (limit === 0 ? 60 : limit));
    const next = start + page.length;
    return {
      Users: page.map(presentUser),
      ...(next < users.length ? { PaginationToken: Buffer.from(String(next)).toString('base64url') } : {}),
    };
  }

  /** InitiateAuth. Wrong passwords and unknown users answer the same NotAuthorizedException (no user enumeration). */
  initiateAuth(
    clientId: string,
    authFlow: string,
    parameters: Readonly<Record<string, string>>,
  ): {
    AuthenticationResult?: AuthenticationResult;
    ChallengeName?: string;
    Session?: string;
    ChallengeParameters: Record<string, string>;
  } {
    const { pool, client } = this.client(clientId);
    if (authFlow === 'USER_PASSWORD_AUTH') {
      const username = parameters.USERNAME;
      const password = parameters.PASSWORD;
      if (username === undefined || password === undefined)
        throw invalidParameter('Missing required parameter USERNAME or PASSWORD');
      const user = pool.users.get(username.toLowerCase());
      if (user === undefined || user.password === undefined || !passwordMatches(password, user.password))
        throw new AwsServiceError('NotAuthorizedException', 'Incorrect username or password.');
      if (!user.enabled) throw new AwsServiceError('NotAuthorizedException', 'User is disabled.');
      if (user.status === 'FORCE_CHANGE_PASSWORD') {
        return {
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: randomId(64),
          ChallengeParameters: {
            USER_ID_FOR_SRP: user.username,
            requiredAttributes: '[]',
            userAttributes: JSON.stringify(Object.fromEntries(user.attributes)),
          },
        };
      }
      const authTime = Math.floor(this.now() / 1000);
      const originJti = randomUUID();
      const refreshToken = `${randomId(32)}.${randomId(32)}.${randomId(32)}`;
      this.refreshGrants.set(refreshToken, {
        poolId: pool.id,
        clientId: client.clientId,
        username: user.username,
        authTime,
        originJti,
        expiresAt: this.now() + REFRESH_VALIDITY_SECONDS * 1000,
      });
      return {
        AuthenticationResult: {
          ...this.issueTokens(pool, client, user, authTime, originJti),
          RefreshToken: refreshToken,
        },
        ChallengeParameters: {},
      };
    }
    if (authFlow === 'REFRESH_TOKEN_AUTH' || authFlow === 'REFRESH_TOKEN') {
      const token = parameters.REFRESH_TOKEN;
      if (token === undefined) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
      const grant = this.refreshGrants.get(token);
      if (grant === undefined || grant.clientId !== client.clientId || grant.expiresAt <= this.now())
        throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      const user = pool.users.get(grant.username.toLowerCase());
      if (user === undefined) throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      return {
        AuthenticationResult: this.issueTokens(pool, client, user, grant.authTime, grant.originJti),
        ChallengeParameters: {},
      };
    }
    throw invalidParameter(
      `The local Cognito supports the auth flows USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, not ${authFlow}`,
    );
  }

  /** GetUser: the user an access token names, after checking its signature, use and expiry. */
  getUser(accessToken: string): { Username: string; UserAttributes: { Name: string; Value: string }[] } {
    const claims = this.verifyAccessToken(accessToken);
    const user = this.pools
      .get(String(claims.iss).split('/').at(-1) ?? '')
      ?.users.get(String(claims.username).toLowerCase());
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

  private issueTokens(
    pool: Pool,
    client: Client,
    user: User,
    authTime: number,
    originJti: string,
  ): Omit<AuthenticationResult, 'RefreshToken'> {
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
      if (error instanceof JwtMalformedError)
        throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      throw error;
    }
    const pool = [...this.pools.values()].find((candidate) => this.issuer(candidate.id) === unverified.iss);
    if (pool === undefined) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
    let claims: Record<string, unknown>;
    try {
      claims = verifyJwtSignature(pool.key, token);
    } catch (error) {
      if (error instanceof JwtSignatureInvalidError || error instanceof JwtMalformedError)
        throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      throw error;
    }
    if (claims.token_use !== 'access') throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now())
      throw new AwsServiceError('NotAuthorizedException', 'Access Token has expired');
    return claims;
  }

  private checkPolicy(password: string): void {
    const violations = passwordPolicyViolations(password);
    if (violations.length > 0)
      throw new AwsServiceError('InvalidPasswordException', `Password did not conform with policy: ${violations[0]}`);
  }

  private poolArn(id: string): string {
    return `arn:aws:cognito-idp:${this.region}:${ACCOUNT}:userpool/${id}`;
  }

  private pool(userPoolId: string): Pool {
    const pool = this.pools.get(userPoolId);
    if (pool === undefined)
      throw new AwsServiceError('ResourceNotFoundException', `User pool ${userPoolId} does not exist.`);
    return pool;
  }

  private client(clientId: string): { pool: Pool; client: Client } {
    for (const pool of this.pools.values()) {
      const client = pool.clients.get(clientId);
      if (client !== undefined) return { pool, client };
    }
    throw new AwsServiceError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
  }

  /**
   * A user by username (case-insensitive), or by `sub`, which the user-administration operations also accept for a
   * local user: "If username isn't an alias attribute in your user pool, this value must be the sub of a local user"
   * (AdminGetUser's `Username`, Amazon Cognito API reference). Alias attributes are not modelled here.
   */
  private user(userPoolId: string, username: string): User {
    const users = this.pool(userPoolId).users;
    const user =
      users.get(username.toLowerCase()) ?? [...users.values()].find((candidate) => candidate.sub === username);
    if (user === undefined) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
    return user;
  }
}
