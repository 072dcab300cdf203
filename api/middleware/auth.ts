/**
 * Authentication and authorisation: the ONE place the caller is established.
 *
 * Every request under /api carries a Cognito token (`Authorization: Bearer <token>`), verified with aws-jwt-verify:
 * RS256 signature against the user pool's JWKS (fetched once and cached), issuer, token use, client id, expiry; the
 * claims of a verified token are remembered for its next requests, its expiry checked again each time (`rememberVerified`).
 * The customer is the token's `sub`; the Cognito group `admin` is the admin. Nothing in a request body or another
 * header names the caller.
 *
 * Which Cognito is trusted follows the SDK's own endpoint configuration, read once by `loadAuthSettings` (api/config.ts):
 *  - no endpoint override (AWS): `CognitoJwtVerifier` for the real user pool, issuer
 *    `https://cognito-idp.<region>.amazonaws.com/<pool>` and AWS's JWKS, so a token signed by a local key never passes;
 *  - `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` or `AWS_ENDPOINT_URL` set (the local cloud): issuer
 *    `<endpoint>/<pool>` and the JWKS the edge serves, with the same Cognito claim checks.
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { FetchError, JwtBaseError, JwtExpiredError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, type JwksCache } from 'aws-jwt-verify/jwk';
import type { Middleware, ParameterizedContext } from 'koa';
import { CUSTOMER_ID_PATTERN } from '../../core/domain/ids';
import { awsCognitoEndpoint, userPoolRegion } from '../config';
import type { AuthSettings } from '../config';
import { ApiError } from '../errors';
import type { AppState, Caller } from '../types';

export const ADMIN_GROUP = 'admin';
/** A `sub` the table's keys can hold: never contains '#', their separator. Cognito's subs are UUIDs. */
export const CUSTOMER_ID = CUSTOMER_ID_PATTERN;
/** Paths outside /api that stay public: liveness, the API description and what the dashboard needs to sign in. */
const PUBLIC_PATHS = new Set(['/health', '/openapi.json', '/asyncapi.json', '/config.json']);

/** What GET /config.json tells the dashboard. */
export interface ClientAuthConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly cognitoEndpoint: string;
}

export const clientAuthConfig = (settings: AuthSettings): ClientAuthConfig => ({
  region: userPoolRegion(settings.userPoolId),
  userPoolId: settings.userPoolId,
  userPoolClientId: settings.userPoolClientId,
  cognitoEndpoint: `${settings.cognitoEndpoint}/`,
});

/** Verifies a token; resolves to its claims or rejects with an aws-jwt-verify error. */
export interface TokenVerifier {
  verify(token: string): Promise<Readonly<Record<string, unknown>>>;
}

/** JWKS over plain fetch, http or https (aws-jwt-verify's default fetcher speaks https only). */
export class FetchJwksFetcher implements Fetcher {
  constructor(private readonly timeoutMs = 3000) {}

  fetch = async (uri: string): Promise<ArrayBuffer> => {
    let response: Response;
    try {
      response = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new FetchError(uri, (error as Error).message);
    }
    if (response.status !== 200)
      throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    return response.arrayBuffer();
  };
}

/** Tokens whose verified claims are remembered at most (the oldest goes first). */
export const VERIFIED_TOKENS_MAX = 5_000;

/** How long a verified token is answered from memory before it is verified again (its key may have been withdrawn). */
export const VERIFIED_TOKEN_TTL_SECONDS = 60;

/**
 * Remembers the claims of the tokens `inner` verified, by the exact token string, so a client that sends the same
 * token with every request (as the dashboard and any SDK do until it expires) costs one signature check a minute,
 * not one per request: parsing, the RSA verification and the claim checks were about 3% of the API's CPU per POST
 * (docs/decisions.md). An entry is answered until the earlier of its `exp` (checked on every use exactly as
 * aws-jwt-verify checks it, no grace: an expired token goes back to `inner`, which refuses it with its own error) and
 * VERIFIED_TOKEN_TTL_SECONDS after its verification: aws-jwt-verify fetches the pool's keys again when a token names
 * a key it does not know, so a key the pool withdrew stops verifying its tokens; a remembered token signed with it is
 * accepted for at most that minute more. Refused tokens, and tokens without a numeric `exp`, are never remembered.
 */
export const rememberVerified = (
  inner: TokenVerifier,
  options: { maxTokens?: number; nowSeconds?: () => number; ttlSeconds?: number } = {},
): TokenVerifier => {
  const max = options.maxTokens ?? VERIFIED_TOKENS_MAX;
  const ttl = options.ttlSeconds ?? VERIFIED_TOKEN_TTL_SECONDS;
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  const verified = new Map<
    string,
    { readonly claims: Readonly<Record<string, unknown>>; readonly exp: number; readonly until: number }
  >();
  return {
    verify: async (token) => {
      const known = verified.get(token);
      if (known !== undefined) {
        const now = nowSeconds();
        if (known.exp >= now && known.until > now) return known.claims;
        verified.delete(token);
      }
      const claims = await inner.verify(token);
      if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return claims;
      if (verified.size >= max) {
        const oldest = verified.keys().next();
        if (oldest.done !== true) verified.delete(oldest.value);
      }
      verified.set(token, { claims, exp: claims.exp, until: nowSeconds() + ttl });
      return claims;
    },
  };
};

/**
 * The verifier the settings call for: AWS's user pool through CognitoJwtVerifier when the endpoint is AWS's own,
 * otherwise the configured endpoint's issuer and JWKS with the same Cognito claim checks. `jwksCache` is for tests.
 */
export const createTokenVerifier = (settings: AuthSettings, options: { jwksCache?: JwksCache } = {}): TokenVerifier => {
  const checks = { tokenUse: settings.tokenUse, clientId: settings.userPoolClientId };
  if (settings.cognitoEndpoint === awsCognitoEndpoint(userPoolRegion(settings.userPoolId))) {
    const verifier = CognitoJwtVerifier.create(
      { userPoolId: settings.userPoolId, ...checks },
      options.jwksCache === undefined ? undefined : { jwksCache: options.jwksCache },
    );
    return rememberVerified({ verify: async (token) => verifier.verify(token) });
  }
  const issuer = `${settings.cognitoEndpoint}/${settings.userPoolId}`;
  const verifier = JwtVerifier.create(
    {
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      audience: null,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { ...checks, groups: null }),
    },
    { jwksCache: options.jwksCache ?? new SimpleJwksCache({ fetcher: new FetchJwksFetcher() }) },
  );
  return rememberVerified({ verify: async (token) => verifier.verify(token) });
};

/** Clock skew tolerated on `iat`, as on `exp` by the verifier. */
const IAT_SKEW_SECONDS = 60;

/**
 * What is wrong with a verified token's lifetime, or undefined. aws-jwt-verify checks `exp` only when present and
 * never `iat`; a pool-signed token without `exp` would be valid forever, and one issued in the future was minted by
 * something other than the pool's sign-in (Cognito always sets both).
 */
export const lifetimeProblem = (claims: Readonly<Record<string, unknown>>, nowSeconds: number): string | undefined => {
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return 'the token has no expiry (exp)';
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return 'the token has no issue time (iat)';
  if (claims.iat > nowSeconds + IAT_SKEW_SECONDS) return 'the token was issued in the future (iat)';
  return undefined;
};

const isProtected = (path: string): boolean => {
  // The router matches case-insensitively and ignores a trailing slash, so the check must too.
  const normalised = path.toLowerCase().replace(/\/+$/, '') || '/';
  if (PUBLIC_PATHS.has(normalised)) return false;
  return normalised === '/api' || normalised.startsWith('/api/');
};

const unauthorised = (
  ctx: ParameterizedContext<AppState>,
  code: string,
  message: string,
  cause?: unknown,
): ApiError => {
  ctx.set(
    'WWW-Authenticate',
    code === 'UNAUTHENTICATED' ? 'Bearer' : `Bearer error="invalid_token", error_description="${message}"`,
  );
  return new ApiError(401, code, message, undefined, { cause });
};

/** The bearer token, or for an EventSource (which cannot set headers) the `access_token` query parameter of a GET. */
const tokenOf = (ctx: ParameterizedContext<AppState>): string | undefined => {
  const header = ctx.get('authorization');
  if (header !== '') {
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
    if (!match) throw unauthorised(ctx, 'UNAUTHENTICATED', 'the Authorization header must be "Bearer <Cognito token>"');
    return match[1];
  }
  const queryToken = ctx.query.access_token;
  if (
    ctx.method === 'GET' &&
    typeof queryToken === 'string' &&
    queryToken !== '' &&
    ctx.get('accept').includes('text/event-stream')
  )
    return queryToken;
  return undefined;
};

/** The caller a verified token names. */
export const callerFromClaims = (claims: Readonly<Record<string, unknown>>): Caller | undefined => {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !CUSTOMER_ID.test(sub)) return undefined;
  const groups = claims['cognito:groups'];
  return { customerId: sub, isAdmin: Array.isArray(groups) && groups.includes(ADMIN_GROUP) };
};

/** Requires a verified Cognito token on every /api path and sets `ctx.state.caller`; 401 otherwise. */
export const authenticate =
  (verifier: TokenVerifier): Middleware<AppState> =>
  async (ctx, next) => {
    if (!isProtected(ctx.path)) {
      await next();
      return;
    }
    const token = tokenOf(ctx);
    if (token === undefined)
      throw unauthorised(ctx, 'UNAUTHENTICATED', 'sign in: send a Cognito token as "Authorization: Bearer <token>"');
    let claims: Readonly<Record<string, unknown>>;
    try {
      claims = await verifier.verify(token);
    } catch (error) {
      if (error instanceof FetchError) {
        ctx.state.logger?.error('the user pool keys (JWKS) could not be fetched', error);
        throw new ApiError(
          503,
          'AUTH_UNAVAILABLE',
          'tokens cannot be verified right now; try again shortly',
          undefined,
          { cause: error },
        );
      }
      if (error instanceof JwtExpiredError)
        throw unauthorised(ctx, 'TOKEN_EXPIRED', 'the token has expired; sign in again', error);
      if (error instanceof JwtBaseError)
        throw unauthorised(ctx, 'INVALID_TOKEN', 'the token is not valid for this API', error);
      throw error;
    }
    const lifetime = lifetimeProblem(claims, Date.now() / 1000);
    if (lifetime !== undefined) throw unauthorised(ctx, 'INVALID_TOKEN', lifetime);
    const caller = callerFromClaims(claims);
    if (caller === undefined) throw unauthorised(ctx, 'INVALID_TOKEN', 'the token is not valid for this API');
    ctx.state.caller = caller;
    await next();
  };

export const requireCaller = (ctx: ParameterizedContext<AppState>): Caller => {
  if (ctx.state.caller === undefined)
    throw unauthorised(ctx, 'UNAUTHENTICATED', 'sign in: send a Cognito token as "Authorization: Bearer <token>"');
  return ctx.state.caller;
};

export const requireAdmin = (ctx: ParameterizedContext<AppState>): Caller => {
  const caller = requireCaller(ctx);
  if (!caller.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'this needs a member of the admin group');
  return caller;
};

// The settings live in api/config.ts, the API's one reader of its environment; re-exported for the callers that
// import them from here (end-to-end tests outside api/).
export { loadAuthSettings } from '../config';
export type { AuthSettings } from '../config';
