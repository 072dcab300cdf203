import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  GetUserCommand,
  InitiateAuthCommand,
  InvalidPasswordException,
  ListUsersCommand,
  NotAuthorizedException,
  ResourceNotFoundException,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import fc from 'fast-check';
import { createPublicKey, createVerify } from 'node:crypto';
import { startEdge, type RunningEdge } from '../edge/server';
import { demoPassword, demoUsersRoute, seedUserPool, type DemoIdentity, type UserPoolDescription } from './demo-users';
import { decodeJwt } from './jwt';
import { LocalCognito, passwordPolicyViolations, stableSub } from './local-cognito';

const pool: UserPoolDescription = {
  name: 'orders-local',
  idSuffix: 'localdemo',
  client: { name: 'orders-dashboard', id: 'localordersdashboardclient' },
  groups: [{ name: 'admin' }],
  users: [{ username: 'alice' }, { username: 'bob' }, { username: 'admin', groups: ['admin'] }],
};

describe('local Cognito through the unmodified SDK', () => {
  let edge: RunningEdge;
  let cognito: LocalCognito;
  let identity: DemoIdentity;
  let client: CognitoIdentityProviderClient;
  let clock = Date.now();

  beforeAll(async () => {
    cognito = new LocalCognito({ region: 'eu-west-1', now: () => clock });
    edge = await startEdge({ services: [cognito], extraRoutes: [cognito.route, demoUsersRoute(() => identity)] });
    cognito.setBaseUrl(edge.url);
    identity = seedUserPool(cognito, pool);
    client = new CognitoIdentityProviderClient({
      endpoint: edge.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await edge.close();
  });

  const password = (username: string): string =>
    identity.users.find((user) => user.username === username)?.password ?? '';
  const signIn = (username: string, secret = password(username), clientId = identity.userPoolClientId) =>
    client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: secret },
      }),
    );

  it("signs alice in with USER_PASSWORD_AUTH and issues ID and access tokens with Cognito's claims", async () => {
    // act
    const answer = await signIn('alice');
    // assess
    const result = answer.AuthenticationResult!;
    const id = decodeJwt(result.IdToken!);
    const access = decodeJwt(result.AccessToken!);
    const sub = identity.users.find((user) => user.username === 'alice')?.sub;
    expect(result.ExpiresIn).toBe(3600);
    expect(result.TokenType).toBe('Bearer');
    expect(result.RefreshToken).toEqual(expect.any(String));
    expect(id.header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(id.payload).toMatchObject({
      sub,
      iss: `${edge.url}/eu-west-1_localdemo`,
      token_use: 'id',
      aud: identity.userPoolClientId,
      'cognito:username': 'alice',
      email: 'alice@example.com',
    });
    expect(access.payload).toMatchObject({
      sub,
      iss: `${edge.url}/eu-west-1_localdemo`,
      token_use: 'access',
      client_id: identity.userPoolClientId,
      username: 'alice',
    });
    expect(access.payload).not.toHaveProperty('aud');
    expect(id.payload).not.toHaveProperty('cognito:groups');
    for (const claims of [id.payload, access.payload]) {
      expect(claims.exp).toBe((claims.iat as number) + 3600);
      expect(claims).toMatchObject({
        auth_time: expect.any(Number),
        jti: expect.any(String),
        origin_jti: expect.any(String),
      });
    }
    expect(id.payload.jti).not.toBe(access.payload.jti);
  });

  it('puts cognito:groups on both tokens of a user in the admin group', async () => {
    // act
    const result = (await signIn('admin')).AuthenticationResult!;
    // assess
    expect(decodeJwt(result.IdToken!).payload['cognito:groups']).toEqual(['admin']);
    expect(decodeJwt(result.AccessToken!).payload['cognito:groups']).toEqual(['admin']);
  });

  it('serves the JWKS on the edge, and its key verifies the signature of an issued token', async () => {
    // prepare
    const token = (await signIn('bob')).AuthenticationResult!.IdToken!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // act
    const response = await fetch(`${edge.url}/${identity.userPoolId}/.well-known/jwks.json`);
    const jwks = (await response.json()) as { keys: { kid: string; n: string; e: string; kty: string; alg: string }[] };
    // assess
    const jwk = jwks.keys.find((key) => key.kid === decodeJwt(token).header.kid);
    expect(response.status).toBe(200);
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(
      createVerify('RSA-SHA256')
        .update(`${header}.${payload}`)
        .verify(createPublicKey({ key: { kty: 'RSA', n: jwk!.n, e: jwk!.e }, format: 'jwk' }), signature, 'base64url'),
    ).toBe(true);
  });

  it('answers 404 for the JWKS of a pool that does not exist', async () => {
    // act
    const response = await fetch(`${edge.url}/eu-west-1_nothere/.well-known/jwks.json`);
    // assess
    expect(response.status).toBe(404);
  });

  it.each([
    ['a wrong password', 'alice', 'Wrong-password-1'],
    ['an unknown user', 'mallory', 'Whatever-pass-1'],
  ])('answers %s with NotAuthorizedException and the same message', async (_, username, secret) => {
    expect.assertions(2);
    // act
    const failure = await signIn(username, secret).catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(NotAuthorizedException);
    expect((failure as Error).message).toBe('Incorrect username or password.');
  });

  it('answers an unknown app client with ResourceNotFoundException', async () => {
    expect.assertions(1);
    // act
    const failure = await signIn('alice', password('alice'), 'no-such-client').catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refreshes tokens with REFRESH_TOKEN_AUTH, keeping auth_time and issuing no new refresh token', async () => {
    // prepare
    const first = (await signIn('bob')).AuthenticationResult!;
    clock += 60_000;
    // act
    const refreshed = (
      await client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: identity.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: first.RefreshToken! },
        }),
      )
    ).AuthenticationResult!;
    // assess
    const before = decodeJwt(first.IdToken!).payload;
    const after = decodeJwt(refreshed.IdToken!).payload;
    expect(refreshed.RefreshToken).toBeUndefined();
    expect(after.auth_time).toBe(before.auth_time);
    expect(after.iat).toBe((before.iat as number) + 60);
    expect(after.sub).toBe(before.sub);
  });

  it('refuses a refresh token it never issued', async () => {
    expect.assertions(1);
    // act
    const failure = await client
      .send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: identity.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: 'forged' },
        }),
      )
      .catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(NotAuthorizedException);
  });

  it('answers GetUser for an access token, and refuses an ID token or an expired access token', async () => {
    expect.assertions(4);
    // prepare
    const result = (await signIn('alice')).AuthenticationResult!;
    // act
    const user = await client.send(new GetUserCommand({ AccessToken: result.AccessToken! }));
    const withIdToken = await client
      .send(new GetUserCommand({ AccessToken: result.IdToken! }))
      .catch((error: unknown) => error);
    clock += 3601_000;
    const expired = await client
      .send(new GetUserCommand({ AccessToken: result.AccessToken! }))
      .catch((error: unknown) => error);
    // assess
    expect(user.Username).toBe('alice');
    expect(user.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email', Value: 'alice@example.com' },
        { Name: 'sub', Value: decodeJwt(result.AccessToken!).payload.sub },
      ]),
    );
    expect(withIdToken).toBeInstanceOf(NotAuthorizedException);
    expect((expired as Error).message).toBe('Access Token has expired');
  });

  it('creates a user with AdminCreateUser, asks for a new password until AdminSetUserPassword, then signs in', async () => {
    // prepare
    const created = await client.send(
      new AdminCreateUserCommand({
        UserPoolId: identity.userPoolId,
        Username: 'carol',
        TemporaryPassword: 'Temporary-pass-1',
        UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }],
      }),
    );
    const challenged = await signIn('carol', 'Temporary-pass-1');
    // act
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: identity.userPoolId,
        Username: 'carol',
        Password: 'Permanent-pass-2',
        Permanent: true,
      }),
    );
    await client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: identity.userPoolId, Username: 'carol', GroupName: 'admin' }),
    );
    const signedIn = await signIn('carol', 'Permanent-pass-2');
    // assess
    expect(created.User?.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect(created.User?.UserCreateDate).toBeInstanceOf(Date);
    expect(challenged.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(challenged.AuthenticationResult).toBeUndefined();
    expect(decodeJwt(signedIn.AuthenticationResult!.IdToken!).payload['cognito:groups']).toEqual(['admin']);
  });

  it('refuses a duplicate username, a weak password and an unknown group, and changes nothing', async () => {
    expect.assertions(4);
    // act
    const duplicate = await client
      .send(new AdminCreateUserCommand({ UserPoolId: identity.userPoolId, Username: 'ALICE' }))
      .catch((error: unknown) => error);
    const weak = await client
      .send(
        new AdminSetUserPasswordCommand({
          UserPoolId: identity.userPoolId,
          Username: 'bob',
          Password: 'short',
          Permanent: true,
        }),
      )
      .catch((error: unknown) => error);
    const group = await client
      .send(new AdminAddUserToGroupCommand({ UserPoolId: identity.userPoolId, Username: 'bob', GroupName: 'nope' }))
      .catch((error: unknown) => error);
    // assess
    expect(duplicate).toBeInstanceOf(UsernameExistsException);
    expect(weak).toBeInstanceOf(InvalidPasswordException);
    expect(group).toBeInstanceOf(ResourceNotFoundException);
    expect((await signIn('bob')).AuthenticationResult?.IdToken).toEqual(expect.any(String));
  });

  it('lists users with their sub and status, page by page', async () => {
    // act
    const first = await client.send(new ListUsersCommand({ UserPoolId: identity.userPoolId, Limit: 2 }));
    const rest = await client.send(
      new ListUsersCommand({ UserPoolId: identity.userPoolId, Limit: 60, PaginationToken: first.PaginationToken }),
    );
    // assess
    const names = [...(first.Users ?? []), ...(rest.Users ?? [])].map((user) => user.Username);
    expect(first.Users).toHaveLength(2);
    expect(names).toEqual(expect.arrayContaining(['admin', 'alice', 'bob']));
    expect(new Set(names).size).toBe(names.length);
    expect(rest.PaginationToken).toBeUndefined();
  });

  it('answers AdminGetUser for a username or for the sub of a local user, and UserNotFoundException otherwise', async () => {
    const bob = identity.users.find((user) => user.username === 'bob');
    // act
    const byName = await client.send(new AdminGetUserCommand({ UserPoolId: identity.userPoolId, Username: 'BOB' }));
    const bySub = await client.send(
      new AdminGetUserCommand({ UserPoolId: identity.userPoolId, Username: bob?.sub ?? '' }),
    );
    // assess
    for (const answer of [byName, bySub]) {
      expect(answer.Username).toBe('bob');
      expect(answer.UserAttributes).toEqual(
        expect.arrayContaining([
          { Name: 'sub', Value: bob?.sub },
          { Name: 'email', Value: 'bob@example.com' },
        ]),
      );
    }
    await expect(
      client.send(new AdminGetUserCommand({ UserPoolId: identity.userPoolId, Username: stableSub('other', 'bob') })),
    ).rejects.toBeInstanceOf(UserNotFoundException);
  });

  it('refuses an unsigned admin call', async () => {
    // act
    const response = await fetch(`${edge.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.AdminCreateUser',
      },
      body: JSON.stringify({ UserPoolId: identity.userPoolId, Username: 'eve' }),
    });
    // assess
    expect(response.status).toBe(403);
    expect(((await response.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    expect(cognito.listUsers(identity.userPoolId).Users.map((user) => user.Username)).not.toContain('eve');
  });

  it("answers the browser's CORS preflight and puts CORS headers on a refused sign-in", async () => {
    // act
    const preflight = await fetch(`${edge.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target',
      },
    });
    const refused = await fetch(`${edge.url}/`, {
      method: 'POST',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: identity.userPoolClientId,
        AuthParameters: { USERNAME: 'alice', PASSWORD: 'nope' },
      }),
    });
    // assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-amz-target');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('lists the demo users with their passwords at GET /_local/users', async () => {
    // act
    const response = await fetch(`${edge.url}/_local/users`);
    const body = (await response.json()) as {
      userPoolId: string;
      users: { username: string; password: string; groups: string[] }[];
    };
    // assess
    expect(response.status).toBe(200);
    expect(body.userPoolId).toBe(identity.userPoolId);
    expect(body.users.map((user) => [user.username, user.groups])).toEqual([
      ['alice', []],
      ['bob', []],
      ['admin', ['admin']],
    ]);
    expect(body.users.every((user) => passwordPolicyViolations(user.password).length === 0)).toBe(true);
  });
});

describe('local Cognito invariants', () => {
  it('derives a stable, UUID-shaped sub per pool and case-insensitive username', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (first, second) => {
        const sub = stableSub('us-east-1_pool', first);
        expect(sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(stableSub('us-east-1_pool', first.toLowerCase())).toBe(sub);
        if (first.toLowerCase() !== second.toLowerCase()) expect(stableSub('us-east-1_pool', second)).not.toBe(sub);
        expect(stableSub('us-east-1_other', first)).not.toBe(sub);
      }),
    );
  });

  it('generates demo passwords that always satisfy the default policy, and the policy refuses short ones', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 7 }), (short) => {
        expect(passwordPolicyViolations(demoPassword())).toEqual([]);
        expect(passwordPolicyViolations(short)).toContain('Password not long enough');
      }),
    );
  });
});
