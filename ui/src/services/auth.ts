/**
 * Sign-in, in one place: USER_PASSWORD_AUTH InitiateAuth against the Cognito endpoint of /config.json (AWS, or
 * the local cloud's Cognito); requests then carry `Authorization: Bearer <IdToken>`. Admin rights come from the
 * token's `cognito:groups` containing `admin`, never from the username.
 */
import type { ClientConfig } from './types';

export interface Session {
  username: string;
  idToken: string;
  accessToken?: string;
  /** Cognito's refresh token: a new IdToken without the password (REFRESH_TOKEN_AUTH). */
  refreshToken?: string;
  /** Epoch milliseconds when the token expires. */
  expiresAt: number;
  isAdmin: boolean;
}

export class AuthSignInError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
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

const ADMIN_GROUP = 'admin';

/** Reads /config.json; throws AuthConfigInvalidError when it is missing or lacks the Cognito settings. */
export const loadClientConfig = async (fetcher: typeof fetch = globalThis.fetch): Promise<ClientConfig> => {
  let body: unknown;
  try {
    const response = await fetcher('/config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new AuthConfigInvalidError(`/config.json answered ${response.status}`);
    body = await response.json();
  } catch (cause) {
    if (cause instanceof AuthConfigInvalidError) throw cause;
    throw new AuthConfigInvalidError('The sign-in settings (/config.json) could not be read.', { cause });
  }
  const config = (body ?? {}) as Partial<ClientConfig>;
  if (!config.userPoolClientId || !config.cognitoEndpoint) {
    throw new AuthConfigInvalidError('/config.json names no Cognito user pool client and endpoint.');
  }
  return {
    region: config.region ?? '',
    userPoolId: config.userPoolId ?? '',
    userPoolClientId: config.userPoolClientId,
    cognitoEndpoint: config.cognitoEndpoint,
    ...(config.localControlPlane ? { localControlPlane: config.localControlPlane } : {}),
  };
};

/** Decodes a JWT payload without verifying it (the API verifies; the UI only reads its own claims). */
export const decodeJwtPayload = (token: string): Record<string, unknown> => {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=');
    return JSON.parse(atob(base64)) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** True when the token's cognito:groups holds the admin group. */
export const isAdminToken = (claims: Record<string, unknown>): boolean => {
  const groups = claims['cognito:groups'];
  return Array.isArray(groups) && groups.includes(ADMIN_GROUP);
};

type InitiateAuthBody = {
  __type?: string;
  message?: string;
  ChallengeName?: string;
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number };
};

/** InitiateAuth over plain fetch (the AWS JSON protocol; no SDK in the browser bundle). */
const initiateAuth = async (
  config: ClientConfig,
  authFlow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
  parameters: Record<string, string>,
  fetcher: typeof fetch,
): Promise<{ response: Response; body: InitiateAuthBody }> => {
  let response: Response;
  try {
    response = await fetcher(config.cognitoEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({ AuthFlow: authFlow, ClientId: config.userPoolClientId, AuthParameters: parameters }),
    });
  } catch (cause) {
    throw new AuthSignInError('The sign-in service could not be reached.', 'NetworkError', { cause });
  }
  const body = (await response.json().catch(() => ({}))) as InitiateAuthBody;
  return { response, body };
};

const sessionFrom = (
  result: NonNullable<InitiateAuthBody['AuthenticationResult']> & { IdToken: string },
  username: string,
  refreshToken: string | undefined,
): Session => {
  const claims = decodeJwtPayload(result.IdToken);
  const name = typeof claims['cognito:username'] === 'string' ? claims['cognito:username'] : username;
  return {
    username: name,
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
    isAdmin: isAdminToken(claims),
  };
};

/** USER_PASSWORD_AUTH InitiateAuth. */
export const signInWithCognito = async (
  config: ClientConfig,
  username: string,
  password: string,
  fetcher: typeof fetch = globalThis.fetch,
): Promise<Session> => {
  const { response, body } = await initiateAuth(
    config,
    'USER_PASSWORD_AUTH',
    { USERNAME: username, PASSWORD: password },
    fetcher,
  );
  if (!response.ok) {
    const code = (body.__type ?? 'SignInFailed').split('#').pop() ?? 'SignInFailed';
    const message =
      code === 'NotAuthorizedException' || code === 'UserNotFoundException'
        ? 'Incorrect username or password.'
        : (body.message ?? `Sign-in failed (${response.status}).`);
    throw new AuthSignInError(message, code);
  }
  if (body.ChallengeName) {
    throw new AuthSignInError(
      `This account needs the ${body.ChallengeName} step, which the dashboard does not offer.`,
      body.ChallengeName,
    );
  }
  const result = body.AuthenticationResult;
  if (!result?.IdToken) throw new AuthSignInError('The sign-in service answered without a token.', 'NoToken');
  return sessionFrom({ ...result, IdToken: result.IdToken }, username, result.RefreshToken);
};

/**
 * REFRESH_TOKEN_AUTH InitiateAuth: a fresh IdToken for a session whose token expired or was issued by a Cognito
 * that has since restarted. Cognito answers no new refresh token for this flow, so the old one is kept.
 * Throws AuthSignInError when the refresh token is refused too (the caller then signs in again).
 */
export const refreshCognitoSession = async (
  config: ClientConfig,
  session: Session,
  fetcher: typeof fetch = globalThis.fetch,
): Promise<Session> => {
  if (!session.refreshToken) throw new AuthSignInError('This session has no refresh token.', 'NoRefreshToken');
  const { response, body } = await initiateAuth(
    config,
    'REFRESH_TOKEN_AUTH',
    { REFRESH_TOKEN: session.refreshToken },
    fetcher,
  );
  const result = body.AuthenticationResult;
  if (!response.ok || !result?.IdToken) {
    const code = (body.__type ?? 'RefreshFailed').split('#').pop() ?? 'RefreshFailed';
    throw new AuthSignInError(body.message ?? `The session could not be refreshed (${response.status}).`, code);
  }
  return sessionFrom(
    { ...result, IdToken: result.IdToken },
    session.username,
    result.RefreshToken ?? session.refreshToken,
  );
};

/** The headers every API request of this session carries. */
export const authHeaders = (session: Session | null): Record<string, string> =>
  session ? { authorization: `Bearer ${session.idToken}` } : {};

/** The live feed's URL: EventSource cannot send headers, so the token travels as ?access_token=. */
export const streamUrl = (session: Session | null): string | undefined =>
  session ? `/api/stream?${new URLSearchParams({ access_token: session.idToken }).toString()}` : undefined;
