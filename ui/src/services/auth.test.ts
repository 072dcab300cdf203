import { describe, expect, it } from 'vitest';
import { tableFetch } from '../test/fakes';
import { AuthSignInError, authHeaders, loadAuthConfig, signInWithCognito, signInWithHeader, streamQuery } from './auth';

const config = { region: 'us-east-1', userPoolId: 'us-east-1_abc', userPoolClientId: 'client-1', cognitoEndpoint: 'http://127.0.0.1:4566/' };
const jwt = (claims: Record<string, unknown>): string => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.s`;

describe('auth', () => {
  it('falls back to the header identity when /config.json is absent', async () => {
    // prepare
    const { fetch } = tableFetch({});
    // act
    const found = await loadAuthConfig(fetch);
    // assess
    expect(found).toBeNull();
  });

  it('signs in with USER_PASSWORD_AUTH InitiateAuth and carries the IdToken as a Bearer token', async () => {
    // prepare
    const idToken = jwt({ 'cognito:username': 'admin', 'cognito:groups': ['admin'] });
    const { fetch, calls } = tableFetch({ 'POST http://127.0.0.1:4566/': [200, { AuthenticationResult: { IdToken: idToken, AccessToken: 'a', ExpiresIn: 3600 } }] });
    // act
    const session = await signInWithCognito(config, 'admin', 'secret', fetch);
    // assess
    expect(calls[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(JSON.parse(calls[0]!.body!)).toEqual({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client-1', AuthParameters: { USERNAME: 'admin', PASSWORD: 'secret' } });
    expect(session).toMatchObject({ mode: 'cognito', username: 'admin', isAdmin: true });
    expect(authHeaders(session)).toEqual({ authorization: `Bearer ${idToken}` });
    expect(streamQuery(session)).toBe(`?access_token=${idToken}`);
  });

  it('answers a wrong password with a readable AuthSignInError', async () => {
    // prepare
    const { fetch } = tableFetch({ 'POST http://127.0.0.1:4566/': [400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }] });
    // act
    const failure = await signInWithCognito(config, 'alice', 'nope', fetch).catch((e: unknown) => e);
    // assess
    expect(failure).toBeInstanceOf(AuthSignInError);
    expect(failure).toMatchObject({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('names the caller by X-Customer-Id in the fallback and refuses odd usernames', () => {
    expect(authHeaders(signInWithHeader('alice'))).toEqual({ 'x-customer-id': 'alice' });
    expect(signInWithHeader('admin').isAdmin).toBe(true);
    expect(() => signInWithHeader('a b')).toThrow(AuthSignInError);
    expect(() => signInWithHeader('')).toThrow(AuthSignInError);
  });
});
