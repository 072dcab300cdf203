import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiProcess } from '../bench-support';
import { startLocalCloud, type RunningLocalCloud } from './cloud';
import { startPlatformApi } from './test-support/api-process';

/**
 * The local cloud as `npm start` runs it: the API, its own process configured from the cloud's environment alone,
 * signs users in.
 */
describe('identity in the local cloud', () => {
  let cloud: RunningLocalCloud;
  let api: ApiProcess;
  let cognito: CognitoIdentityProviderClient;
  let emptyRoot: string;

  beforeAll(async () => {
    emptyRoot = mkdtempSync(join(tmpdir(), 'cloud-identity-'));
    cloud = await startLocalCloud({
      edgePort: 0,
      functionsBaseDir: emptyRoot,
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    api = await startPlatformApi(cloud);
    cognito = new CognitoIdentityProviderClient({
      endpoint: cloud.edgeUrl,
      region: cloud.env.AWS_REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  }, 180_000);
  afterAll(async () => {
    cognito.destroy();
    await api.stop();
    await cloud.stop();
    rmSync(emptyRoot, { recursive: true, force: true });
  });

  const demoUsers = async () =>
    (
      (await (await fetch(`${cloud.edgeUrl}/_local/users`)).json()) as {
        users: { username: string; password: string; groups: string[] }[];
      }
    ).users;

  it('lists alice, bob and admin with their passwords at GET /_local/users on the edge', async () => {
    // act
    const users = await demoUsers();
    // assess
    expect(users.map((user) => [user.username, user.groups])).toEqual([
      ['alice', []],
      ['bob', []],
      ['admin', ['admin']],
    ]);
  });

  it('tells the dashboard the local pool, the edge as the Cognito endpoint and the control plane at GET /config.json', async () => {
    // act
    const config = (await (await fetch(`${api.url}/config.json`)).json()) as Record<string, string>;
    // assess
    expect(config).toEqual({
      region: cloud.env.AWS_REGION,
      userPoolId: cloud.env.USER_POOL_ID,
      userPoolClientId: cloud.env.USER_POOL_CLIENT_ID,
      cognitoEndpoint: `${cloud.edgeUrl}/`,
      localControlPlane: `${cloud.edgeUrl}/_local`,
    });
  });

  it('signs alice in through the SDK against the edge, and the API accepts her ID token', async () => {
    // prepare
    const alice = (await demoUsers()).find((user) => user.username === 'alice');
    // act
    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: cloud.env.USER_POOL_CLIENT_ID,
        AuthParameters: { USERNAME: 'alice', PASSWORD: alice?.password ?? '' },
      }),
    );
    const withToken = await fetch(`${api.url}/api/products`, {
      headers: { authorization: `Bearer ${signedIn.AuthenticationResult?.IdToken}` },
    });
    const without = await fetch(`${api.url}/api/products`);
    // assess
    expect([withToken.status, without.status]).toEqual([200, 401]);
  });

  it('answers a wrong password with NotAuthorizedException', async () => {
    expect.assertions(1);
    // act
    const failure = await cognito
      .send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: cloud.env.USER_POOL_CLIENT_ID,
          AuthParameters: { USERNAME: 'bob', PASSWORD: 'Not-his-password-1' },
        }),
      )
      .catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(NotAuthorizedException);
  });
});
