/**
 * The AWS verifier configuration accepts a valid token. Every deployment verifies with the `CognitoJwtVerifier`
 * branch of createTokenVerifier (no Cognito endpoint override); auth.int.test.ts shows it rejects, this file shows
 * it accepts, so a verifier that rejected every token would fail here. No network: the verifier's JWKS cache is
 * hydrated, at AWS's JWKS URI, with the local pool's public key, and tokens carry the issuer in AWS's form
 * `https://cognito-idp.<region>.amazonaws.com/<poolId>`, signed by that pool's key. Beside them, the rejections
 * that must still hold in that configuration.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import Koa from 'koa';
import type { Server } from 'node:http';
import { decodeJwt } from '@order-platform/local-cloud/cognito';
import { startTestCognito, type TestCognito } from '../../scripts/local-platform/test-cognito';
import { awsCognitoEndpoint, loadAuthSettings, userPoolRegion, type AuthSettings } from '../config';
import type { AppState } from '../types';
import { authenticate, createTokenVerifier, requireCaller } from './auth';
import { errorHandler } from './error-handler';
import { requestContext } from './request-context';

describe('the AWS verifier configuration (CognitoJwtVerifier), with a valid token', () => {
  let identity: TestCognito;
  let settings: AuthSettings;
  let awsIssuer: string;
  const askedJwks: string[] = [];
  let server: Server;
  let url: string;

  /** The local pool's tokens, re-signed by its key with AWS's issuer: what AWS Cognito would issue for this pool. */
  const awsToken = async (username: string, override: Record<string, unknown> = {}): Promise<string> => {
    const claims = decodeJwt(await identity.tokenFor(username)).payload;
    return identity.cognito.signWithPoolKey(identity.userPoolId, { ...claims, iss: awsIssuer, ...override });
  };
  const whoami = (token: string) => fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
  const errorCode = async (response: Response): Promise<string> =>
    ((await response.json()) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    identity = await startTestCognito();
    // The environment of a deployment: pool and client ids, no endpoint override.
    settings = loadAuthSettings({ USER_POOL_ID: identity.userPoolId, USER_POOL_CLIENT_ID: identity.userPoolClientId });
    awsIssuer = `${awsCognitoEndpoint(userPoolRegion(identity.userPoolId))}/${identity.userPoolId}`;
    const localJwks = new TextEncoder().encode(JSON.stringify(identity.cognito.jwks(identity.userPoolId)));
    const jwksCache = new SimpleJwksCache({
      fetcher: {
        fetch: async (uri: string) => {
          askedJwks.push(uri);
          return localJwks.buffer.slice(
            localJwks.byteOffset,
            localJwks.byteOffset + localJwks.byteLength,
          ) as ArrayBuffer;
        },
      },
    });
    const app = new Koa<AppState>();
    app.silent = true;
    app.use(errorHandler());
    app.use(requestContext(new Logger({ logLevel: 'SILENT' })));
    app.use(authenticate(createTokenVerifier(settings, { jwksCache })));
    app.use(async (ctx) => {
      ctx.body = requireCaller(ctx);
    });
    server = await new Promise((resolveListen) => {
      const listening = app.listen(0, '127.0.0.1', () => resolveListen(listening));
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolveClose) =>
      server === undefined ? resolveClose() : server.close(() => resolveClose()),
    );
    await identity?.stop();
  });

  it("is the configuration of a deployment: AWS's Cognito endpoint, issuer in AWS's form", () => {
    expect(identity.userPoolId).toMatch(/^us-east-1_/);
    expect(settings.cognitoEndpoint).toBe('https://cognito-idp.us-east-1.amazonaws.com');
    expect(awsIssuer).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${identity.userPoolId}`);
  });

  it("accepts a valid ID token of the pool, names the customer by its sub, and fetched the keys from AWS's JWKS URI", async () => {
    // act
    const alice = await whoami(await awsToken('alice'));
    const admin = await whoami(await awsToken('admin'));
    // assess
    expect(alice.status).toBe(200);
    expect(await alice.json()).toEqual({ customerId: await identity.subOf('alice'), isAdmin: false });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({ customerId: await identity.subOf('admin'), isAdmin: true });
    expect(new Set(askedJwks)).toEqual(new Set([`${awsIssuer}/.well-known/jwks.json`]));
  });

  it('rejects the same token with the local issuer: the local cloud is not trusted by a deployment', async () => {
    // act
    const response = await whoami(await identity.tokenFor('alice'));
    // assess
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('INVALID_TOKEN');
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    // prepare
    const past = Math.floor(Date.now() / 1000) - 7200;
    // act
    const response = await whoami(await awsToken('alice', { iat: past, auth_time: past, exp: past + 3600 }));
    // assess
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('TOKEN_EXPIRED');
  });

  it('rejects a token for another app client', async () => {
    // act
    const response = await whoami(await awsToken('alice', { aud: 'another-app-client' }));
    // assess
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('INVALID_TOKEN');
  });

  it('rejects an access token where ID tokens are expected', async () => {
    // act
    const response = await whoami(await awsToken('alice', { token_use: 'access' }));
    // assess
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('INVALID_TOKEN');
  });

  it('rejects a valid token whose payload was changed after signing', async () => {
    // prepare
    const [header, payload, signature] = (await awsToken('alice')).split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] })).toString('base64url');
    // act
    const response = await whoami(`${header}.${forged}.${signature}`);
    // assess
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('INVALID_TOKEN');
  });
});
