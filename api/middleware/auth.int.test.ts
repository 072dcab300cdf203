import { Logger } from '@aws-lambda-powertools/logger';
import { KidNotFoundInJwksError, ParameterValidationError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import fc from 'fast-check';
import Koa from 'koa';
import type { Server } from 'node:http';
import { decodeJwt, generateSigningKey, signJwt } from '@order-platform/local-cloud/cognito';
import { startTestCognito, type TestCognito } from '../../scripts/local-platform/test-cognito';
import { AuthConfigInvalidError, loadAuthSettings, type AuthSettings } from '../config';
import { clientConfigRouter } from '../routes/client-config';
import type { AppState } from '../types';
import { authenticate, createTokenVerifier, requireCaller } from './auth';
import { errorHandler } from './error-handler';
import { requestContext } from './request-context';

/** The middleware chain of the app around one route that echoes the caller. */
const startEchoApp = async (settings: AuthSettings): Promise<{ url: string; stop: () => Promise<void> }> => {
  const app = new Koa<AppState>();
  app.silent = true;
  app.use(errorHandler());
  app.use(requestContext(new Logger({ logLevel: 'SILENT' })));
  app.use(authenticate(createTokenVerifier(settings)));
  app.use(clientConfigRouter({ auth: settings }).routes());
  app.use(async (ctx) => {
    if (ctx.path.toLowerCase().startsWith('/api/')) ctx.body = requireCaller(ctx);
    else if (ctx.path === '/health') ctx.body = { status: 'ok' };
  });
  const server: Server = await new Promise((resolveListen) => {
    const listening = app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
};

describe('token authentication against the local Cognito', () => {
  let identity: TestCognito;
  let api: { url: string; stop: () => Promise<void> };
  let settings: AuthSettings;

  beforeAll(async () => {
    identity = await startTestCognito();
    settings = {
      userPoolId: identity.userPoolId,
      userPoolClientId: identity.userPoolClientId,
      cognitoEndpoint: identity.endpoint,
      tokenUse: 'id',
    };
    api = await startEchoApp(settings);
  });
  afterAll(async () => {
    await api.stop();
    await identity.stop();
  });

  const whoami = (headers: Record<string, string> = {}, path = '/api/whoami') =>
    fetch(`${api.url}${path}`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** Claims as Cognito would put them on alice's ID token, for tokens Cognito would never issue. */
  const aliceClaims = async (): Promise<Record<string, unknown>> => decodeJwt(await identity.tokenFor('alice')).payload;
  /** Alice's token, signed with the pool key, issued (iat, auth_time) at `iat` and expiring at `exp` (seconds). */
  const aliceTokenIssuedAt = async (iat: number, exp: number): Promise<string> =>
    identity.cognito.signWithPoolKey(identity.userPoolId, { ...(await aliceClaims()), iat, auth_time: iat, exp });
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string } }).error;

  it("names the customer by the ID token's sub and marks only the admin group as admin", async () => {
    // act
    const alice = await whoami(bearer(await identity.tokenFor('alice')));
    const admin = await whoami(bearer(await identity.tokenFor('admin')));
    // assess
    expect(alice.status).toBe(200);
    expect(await alice.json()).toEqual({ customerId: await identity.subOf('alice'), isAdmin: false });
    expect(await admin.json()).toEqual({ customerId: await identity.subOf('admin'), isAdmin: true });
  });

  it('answers 401 in the error shape, with WWW-Authenticate, without a token', async () => {
    // act
    const response = await whoami();
    // assess
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(response)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  });

  it.each([['/API/whoami'], ['/api/whoami/'], ['/Api/Orders']])(
    'protects %s however the path is spelled',
    async (path) => {
      // act
      const response = await whoami({}, path);
      // assess
      expect(response.status).toBe(401);
    },
  );

  it('leaves /health and /config.json public, and /config.json tells the dashboard where to sign in', async () => {
    // act
    const health = await whoami({}, '/health');
    const config = await whoami({}, '/config.json');
    // assess
    expect(health.status).toBe(200);
    expect(await config.json()).toEqual({
      region: 'us-east-1',
      userPoolId: identity.userPoolId,
      userPoolClientId: identity.userPoolClientId,
      cognitoEndpoint: `${identity.endpoint}/`,
    });
  });

  it('answers 401 to a token whose payload was changed after signing (claims to be admin)', async () => {
    // prepare
    const [header, , signature] = (await identity.tokenFor('alice')).split('.');
    const forged = Buffer.from(JSON.stringify({ ...(await aliceClaims()), 'cognito:groups': ['admin'] })).toString(
      'base64url',
    );
    // act
    const response = await whoami(bearer(`${header}.${forged}.${signature}`));
    // assess
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('answers 401 TOKEN_EXPIRED to an expired token signed by the pool key', async () => {
    // prepare
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await aliceTokenIssuedAt(past, past + 3600);
    // act
    const response = await whoami(bearer(expired));
    // assess
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses a token that was accepted before, once it has expired (TOKEN_EXPIRED)', async () => {
    // prepare
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await aliceTokenIssuedAt(now, now + 2);
    const before = await whoami(bearer(shortLived));
    await new Promise((wake) => setTimeout(wake, (now + 3) * 1000 - Date.now()));
    // act
    const after = await whoami(bearer(shortLived));
    // assess
    expect([before.status, after.status, (await errorOf(after)).code]).toEqual([200, 401, 'TOKEN_EXPIRED']);
  });

  it('answers 401 INVALID_TOKEN to a token signed by the pool key without exp', async () => {
    // prepare
    const { exp: _exp, ...claims } = await aliceClaims();
    const endless = identity.cognito.signWithPoolKey(identity.userPoolId, claims);
    // act
    const response = await whoami(bearer(endless));
    // assess
    expect([response.status, (await errorOf(response)).code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('answers 401 INVALID_TOKEN to a token signed by the pool key with an iat in the future', async () => {
    // prepare
    const future = Math.floor(Date.now() / 1000) + 3600;
    const early = identity.cognito.signWithPoolKey(identity.userPoolId, {
      ...(await aliceClaims()),
      iat: future,
      auth_time: future,
      exp: future + 3600,
    });
    // act
    const response = await whoami(bearer(early));
    // assess
    expect([response.status, (await errorOf(response)).code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('answers 401 to a real token of another app client of the same pool', async () => {
    // prepare
    const { clientId } = identity.cognito.createUserPoolClient(identity.userPoolId, 'another-app');
    const password = identity.identity.users.find((user) => user.username === 'alice')?.password ?? '';
    const other =
      identity.cognito.initiateAuth(clientId, 'USER_PASSWORD_AUTH', { USERNAME: 'alice', PASSWORD: password })
        .AuthenticationResult?.IdToken ?? '';
    // act
    const response = await whoami(bearer(other));
    // assess
    expect(decodeJwt(other).payload.aud).toBe(clientId);
    expect(response.status).toBe(401);
  });

  it('answers 401 to an access token where ID tokens are expected', async () => {
    // prepare
    const { AccessToken } = await identity.signIn('alice');
    // act
    const response = await whoami(bearer(AccessToken));
    // assess
    expect(response.status).toBe(401);
  });

  it('answers 401 to a token signed by the pool key for another issuer', async () => {
    // prepare
    const token = identity.cognito.signWithPoolKey(identity.userPoolId, {
      ...(await aliceClaims()),
      iss: `https://cognito-idp.us-east-1.amazonaws.com/${identity.userPoolId}`,
    });
    // act
    const response = await whoami(bearer(token));
    // assess
    expect(response.status).toBe(401);
  });

  it('answers 401 to a token with the right claims signed by a key the pool does not publish', async () => {
    // prepare
    const token = signJwt(generateSigningKey(), await aliceClaims());
    // act
    const response = await whoami(bearer(token));
    // assess
    expect(response.status).toBe(401);
  });

  it.each([
    ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
    [
      'an unsigned alg=none token',
      `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`,
    ],
    ['garbage', 'Bearer not-a-token'],
  ])('answers 401 to %s', async (_, authorization) => {
    // act
    const response = await whoami({ authorization });
    // assess
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: expect.stringMatching(/^(UNAUTHENTICATED|INVALID_TOKEN)$/) });
  });

  it('takes a token from access_token only for an event stream, which cannot send headers', async () => {
    // prepare
    const token = await identity.tokenFor('bob');
    // act
    const stream = await fetch(`${api.url}/api/whoami?access_token=${token}`, {
      headers: { accept: 'text/event-stream' },
    });
    const plain = await fetch(`${api.url}/api/whoami?access_token=${token}`);
    // assess
    expect(stream.status).toBe(200);
    expect(plain.status).toBe(401);
  });

  it('rejects every single-character change to a valid token', async () => {
    // prepare
    const token = await identity.tokenFor('alice');
    const verifier = createTokenVerifier(settings);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // act, assess
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (index, replacement) => {
        fc.pre(token[index] !== '.' && token[index] !== replacement);
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        // The last base64url character of a part may carry unused bits; a change there can decode to the same bytes.
        const sameBytes = changed
          .split('.')
          .every((part, i) =>
            Buffer.from(part, 'base64url').equals(Buffer.from(token.split('.')[i] ?? '', 'base64url')),
          );
        fc.pre(!sameBytes);
        await expect(verifier.verify(changed)).rejects.toThrow();
      }),
      { numRuns: 60 },
    );
  });
});

describe('the AWS configuration', () => {
  const awsSettings = loadAuthSettings({
    USER_POOL_ID: 'us-east-1_localdemo',
    USER_POOL_CLIENT_ID: 'localordersdashboardclient',
  });
  let identity: TestCognito;
  beforeAll(async () => {
    identity = await startTestCognito();
  });
  afterAll(async () => {
    await identity.stop();
  });

  /** A JWKS cache that never touches the network: it answers for AWS's JWKS URI with a key of AWS's, and records asks. */
  const awsJwksCache = () => {
    const asked: string[] = [];
    const awsKey = generateSigningKey();
    const cache = new SimpleJwksCache({
      fetcher: {
        fetch: async (uri: string) => {
          asked.push(uri);
          return new TextEncoder().encode(JSON.stringify({ keys: [awsKey.jwk] })).buffer as ArrayBuffer;
        },
      },
    });
    return { cache, asked };
  };

  it('trusts the AWS user pool when no Cognito endpoint is configured', () => {
    // assess
    expect(awsSettings).toEqual({
      userPoolId: 'us-east-1_localdemo',
      userPoolClientId: 'localordersdashboardclient',
      cognitoEndpoint: 'https://cognito-idp.us-east-1.amazonaws.com',
      tokenUse: 'id',
    });
  });

  it('rejects a token signed by the local Cognito, for the same pool and client ids, without asking for any keys', async () => {
    expect.assertions(3);
    // prepare
    const { cache, asked } = awsJwksCache();
    const verifier = createTokenVerifier(awsSettings, { jwksCache: cache });
    const local = await identity.tokenFor('admin');
    // act
    const failure = await verifier.verify(local).catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(ParameterValidationError);
    expect((failure as Error).message).toContain(`issuer not configured: ${identity.issuer}`);
    expect(asked).toEqual([]);
  });

  it("rejects a locally signed token that claims AWS's issuer, checking it against AWS's keys", async () => {
    expect.assertions(2);
    // prepare
    const { cache, asked } = awsJwksCache();
    const verifier = createTokenVerifier(awsSettings, { jwksCache: cache });
    const claims = decodeJwt(await identity.tokenFor('admin')).payload;
    const forged = identity.cognito.signWithPoolKey(identity.userPoolId, {
      ...claims,
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_localdemo',
    });
    // act
    const failure = await verifier.verify(forged).catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(KidNotFoundInJwksError);
    expect(asked).toEqual(['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_localdemo/.well-known/jwks.json']);
  });
});

describe('auth settings from the environment', () => {
  const base = { USER_POOL_ID: 'eu-west-1_AbC123', USER_POOL_CLIENT_ID: 'client' };

  it('takes the Cognito endpoint from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER before AWS_ENDPOINT_URL', () => {
    // act
    const specific = loadAuthSettings({
      ...base,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9229/',
    });
    const general = loadAuthSettings({ ...base, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' });
    // assess
    expect(specific.cognitoEndpoint).toBe('http://127.0.0.1:9229');
    expect(general.cognitoEndpoint).toBe('http://127.0.0.1:4566');
  });

  it.each([
    ['USER_POOL_ID', { USER_POOL_CLIENT_ID: 'client' }],
    ['USER_POOL_CLIENT_ID', { USER_POOL_ID: 'eu-west-1_AbC123' }],
    ['USER_POOL_ID', { ...base, USER_POOL_ID: 'not-a-pool' }],
    ['AUTH_TOKEN_USE', { ...base, AUTH_TOKEN_USE: 'refresh' }],
    ['AWS_ENDPOINT_URL', { ...base, AWS_ENDPOINT_URL: 'ftp://x' }],
  ])('refuses to start naming %s', (key, env) => {
    expect.assertions(2);
    // act
    const failure = (() => {
      try {
        return loadAuthSettings(env);
      } catch (error) {
        return error;
      }
    })();
    // assess
    expect(failure).toBeInstanceOf(AuthConfigInvalidError);
    expect((failure as AuthConfigInvalidError).key).toBe(key);
  });
});
