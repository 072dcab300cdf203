/**
 * Sign-in, in one place. Two modes, chosen by whether the API serves /config.json:
 *  - `cognito`: USER_PASSWORD_AUTH InitiateAuth against the configured endpoint (AWS or the local Cognito);
 *    requests then carry `Authorization: Bearer <IdToken>`;
 *  - `header`: the interim identity of the API, `X-Customer-Id: <username>` (admin is `admin`).
 * Swapping identity providers changes this file and nothing else.
 */
import type { AuthConfig } from './types';

export type AuthMode = 'cognito' | 'header';

export interface Session {
  mode: AuthMode;
  username: string;
  /** The Cognito IdToken in `cognito` mode. */
  idToken?: string;
  accessToken?: string;
  /** Epoch milliseconds when the token expires. */
  expiresAt?: number;
  isAdmin: boolean;
}

export class AuthSignInError extends Error {
  constructor(message: string, readonly code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthSignInError';
  }
}

export class AuthConfigInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthConfigInvalidError';
  }
}

const ADMIN = 'admin';

/** Reads /config.json; `null` when the API does not serve it yet (the header fallback applies). */
export const loadAuthConfig = async (fetcher: typeof fetch = globalThis.fetch): Promise<AuthConfig | null> => {
  let response: Response;
  try {
    response = await fetcher('/config.json', { headers: { accept: 'application/json' } });
  } catch {
    return null;
  }
  if (!response.ok) return null;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return null;
  }
  const config = body as Partial<AuthConfig>;
  if (!config.userPoolClientId || !config.cognitoEndpoint) return null;
  return { region: config.region ?? '', userPoolId: config.userPoolId ?? '', userPoolClientId: config.userPoolClientId, cognitoEndpoint: config.cognitoEndpoint };
};

/** Decodes a JWT payload without verifying it (the API verifies; the UI only reads its own claims). */
export const decodeJwtPayload = (token: string): Record<string, unknown> => {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    return JSON.parse(atob(base64)) as Record<string, unknown>;
  } catch {
    return {};
  }
};

const isAdminClaims = (username: string, claims: Record<string, unknown>): boolean => {
  const groups = claims['cognito:groups'];
  return username === ADMIN || (Array.isArray(groups) && groups.includes(ADMIN));
};

/** USER_PASSWORD_AUTH InitiateAuth over plain fetch (the AWS JSON protocol; no SDK in the browser bundle). */
export const signInWithCognito = async (
  config: AuthConfig,
  username: string,
  password: string,
  fetcher: typeof fetch = globalThis.fetch,
): Promise<Session> => {
  let response: Response;
  try {
    response = await fetcher(config.cognitoEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: config.userPoolClientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    });
  } catch (cause) {
    throw new AuthSignInError('The sign-in service could not be reached.', 'NetworkError', { cause });
  }
  const body = (await response.json().catch(() => ({}))) as {
    __type?: string; message?: string; ChallengeName?: string;
    AuthenticationResult?: { IdToken?: string; AccessToken?: string; ExpiresIn?: number };
  };
  if (!response.ok) {
    const code = (body.__type ?? 'SignInFailed').split('#').pop() ?? 'SignInFailed';
    const message = code === 'NotAuthorizedException' ? 'Incorrect username or password.' : (body.message ?? `Sign-in failed (${response.status}).`);
    throw new AuthSignInError(message, code);
  }
  if (body.ChallengeName) {
    throw new AuthSignInError(`This account needs the ${body.ChallengeName} step, which the dashboard does not offer.`, body.ChallengeName);
  }
  const result = body.AuthenticationResult;
  if (!result?.IdToken) throw new AuthSignInError('The sign-in service answered without a token.', 'NoToken');
  const claims = decodeJwtPayload(result.IdToken);
  const name = typeof claims['cognito:username'] === 'string' ? (claims['cognito:username'] as string) : username;
  return {
    mode: 'cognito',
    username: name,
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
    isAdmin: isAdminClaims(name, claims),
  };
};

const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;

/** The interim identity: the username becomes X-Customer-Id. */
export const signInWithHeader = (username: string): Session => {
  if (!USERNAME.test(username)) {
    throw new AuthSignInError('Use 1 to 64 letters, digits or . _ @ + -', 'InvalidUsername');
  }
  return { mode: 'header', username, isAdmin: username === ADMIN };
};

/** The headers every API request of this session carries. */
export const authHeaders = (session: Session | null): Record<string, string> => {
  if (!session) return {};
  if (session.mode === 'cognito' && session.idToken) return { authorization: `Bearer ${session.idToken}` };
  return { 'x-customer-id': session.username };
};

/**
 * Query parameters for the SSE stream: EventSource cannot send headers, so the identity travels in the URL
 * (`customerId` in header mode, `access_token` with Cognito).
 */
export const streamQuery = (session: Session | null): string => {
  if (!session) return '';
  const params = new URLSearchParams();
  if (session.mode === 'cognito' && session.idToken) params.set('access_token', session.idToken);
  else params.set('customerId', session.username);
  return `?${params.toString()}`;
};
