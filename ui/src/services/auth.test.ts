import { describe, expect, it } from 'vitest';
import { tableFetch } from '../test/fakes';
import {
  AuthConfigInvalidError,
  AuthSignInError,
  authHeaders,
  loadClientConfig,
  refreshCognitoSession,
  signInWithCognito,
  streamUrl,
} from './auth';

const config = {
  region: 'us-east-1',
  userPoolId: 'us-east-1_abc',
  userPoolClientId: 'client-1',
  cognitoEndpoint: 'http://127.0.0.1:4566/',
};
const jwt = (claims: Record<string, unknown>): string => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.s`;

describe('auth', () => {
  it('refuses to run without the Cognito settings of /config.json (no fallback identity)', async () => {
    // prepare
    const { fetch } = tableFetch({ 'GET /config.json': [200, { region: 'us-east-1' }] });
    // act
    const failure = await loadClientConfig(fetch).catch((e: unknown) => e);
    // assess
    expect(failure).toBeInstanceOf(AuthConfigInvalidError);
  });

  it('reads localControlPlane from /config.json only when it is there', async () => {
    // prepare
    const local = tableFetch({
      'GET /config.json': [200, { ...config, localControlPlane: 'http://127.0.0.1:4566/_local' }],
    });
    const aws = tableFetch({ 'GET /config.json': [200, config] });
    // act
    const [inLocal, inAws] = await Promise.all([loadClientConfig(local.fetch), loadClientConfig(aws.fetch)]);
    // assess
    expect(inLocal.localControlPlane).toBe('http://127.0.0.1:4566/_local');
    expect(inAws).toEqual(config);
  });

  it('signs in with USER_PASSWORD_AUTH InitiateAuth and carries the IdToken as a Bearer token and ?access_token=', async () => {
    // prepare
    const idToken = jwt({ 'cognito:username': 'admin', 'cognito:groups': ['admin'] });
    const { fetch, calls } = tableFetch({
      'POST http://127.0.0.1:4566/': [
        200,
        { AuthenticationResult: { IdToken: idToken, AccessToken: 'a', ExpiresIn: 3600 } },
      ],
    });
    // act
    const session = await signInWithCognito(config, 'admin', 'secret', fetch);
    // assess
    expect(calls[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(JSON.parse(calls[0]!.body!)).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME: 'admin', PASSWORD: 'secret' },
    });
    expect(session).toMatchObject({ username: 'admin', isAdmin: true });
    expect(authHeaders(session)).toEqual({ authorization: `Bearer ${idToken}` });
    expect(streamUrl(session)).toBe(`/api/stream?access_token=${encodeURIComponent(idToken)}`);
  });

  it('decides admin from cognito:groups, never from the username', async () => {
    // prepare
    const idToken = jwt({ 'cognito:username': 'admin', 'cognito:groups': ['customers'] });
    const { fetch } = tableFetch({
      'POST http://127.0.0.1:4566/': [200, { AuthenticationResult: { IdToken: idToken } }],
    });
    // act
    const session = await signInWithCognito(config, 'admin', 'secret', fetch);
    // assess
    expect(session.isAdmin).toBe(false);
  });

  it('answers a wrong password with a readable AuthSignInError', async () => {
    // prepare
    const { fetch } = tableFetch({
      'POST http://127.0.0.1:4566/': [
        400,
        { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' },
      ],
    });
    // act
    const failure = await signInWithCognito(config, 'alice', 'nope', fetch).catch((e: unknown) => e);
    // assess
    expect(failure).toBeInstanceOf(AuthSignInError);
    expect(failure).toMatchObject({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('sends no identity without a session', () => {
    expect(authHeaders(null)).toEqual({});
    expect(streamUrl(null)).toBeUndefined();
  });

  it('keeps the refresh token of the sign-in and renews the IdToken with REFRESH_TOKEN_AUTH', async () => {
    // prepare
    const first = jwt({ 'cognito:username': 'alice' });
    const second = jwt({ 'cognito:username': 'alice', n: 2 });
    const signIn = tableFetch({
      'POST http://127.0.0.1:4566/': [
        200,
        { AuthenticationResult: { IdToken: first, RefreshToken: 'r-1', ExpiresIn: 3600 } },
      ],
    });
    const session = await signInWithCognito(config, 'alice', 'secret', signIn.fetch);
    const refresh = tableFetch({
      'POST http://127.0.0.1:4566/': [200, { AuthenticationResult: { IdToken: second, ExpiresIn: 3600 } }],
    });
    // act
    const renewed = await refreshCognitoSession(config, session, refresh.fetch);
    // assess
    expect(JSON.parse(refresh.calls[0]!.body!)).toEqual({
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: 'client-1',
      AuthParameters: { REFRESH_TOKEN: 'r-1' },
    });
    expect(renewed).toMatchObject({ username: 'alice', idToken: second, refreshToken: 'r-1' });
  });

  it('refuses to renew when Cognito refuses the refresh token', async () => {
    // prepare
    const { fetch } = tableFetch({
      'POST http://127.0.0.1:4566/': [400, { __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' }],
    });
    // act
    const failure = await refreshCognitoSession(
      config,
      { username: 'alice', idToken: 'x', refreshToken: 'r-1', expiresAt: 0, isAdmin: false },
      fetch,
    ).catch((e: unknown) => e);
    // assess
    expect(failure).toBeInstanceOf(AuthSignInError);
    expect(failure).toMatchObject({ code: 'NotAuthorizedException' });
  });
});
