/**
 * Real Cognito tokens for tests: starts the local Cognito alone on an edge (free port), with the given pool and
 * users, and signs users in through InitiateAuth over HTTP, as the dashboard does.
 *
 *   const identity = await startTestCognito({ pool });
 *   fetch(url, { headers: { authorization: `Bearer ${await identity.tokenFor('alice')}` } });
 *   await identity.stop();
 *
 * `tokenFor` creates an unknown username on first use as a customer (no groups), so tests can keep one customer
 * per test; the pool's own users keep their groups.
 */
import { startEdge } from '../edge/server';
import { addUser, seedUserPool, type DemoIdentity, type DemoUser, type UserPoolDescription } from './demo-users';
import { LocalCognito, type AuthenticationResult } from './local-cognito';

export interface TestCognito {
  /** The edge URL: the Cognito endpoint, and the base of the issuer. */
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly issuer: string;
  readonly cognito: LocalCognito;
  readonly identity: DemoIdentity;
  /** The ID token of `username` (the dashboard sends ID tokens), from a real sign-in; cached per username. */
  tokenFor(username: string): Promise<string>;
  /** All three tokens of a fresh sign-in. */
  signIn(username: string): Promise<AuthenticationResult>;
  /** The `sub` (the API's customer id) of `username`. */
  subOf(username: string): Promise<string>;
  stop(): Promise<void>;
}

export class TestCognitoSignInError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TestCognitoSignInError';
  }
}

export const startTestCognito = async (options: {
  pool: UserPoolDescription;
  region?: string;
  now?: () => number;
}): Promise<TestCognito> => {
  const region = options.region ?? 'us-east-1';
  const cognito = new LocalCognito({ region, ...(options.now === undefined ? {} : { now: options.now }) });
  const edge = await startEdge({ services: [cognito], extraRoutes: [cognito.route] });
  cognito.setBaseUrl(edge.url);
  const identity = seedUserPool(cognito, options.pool);
  const users = new Map<string, DemoUser>(identity.users.map((user) => [user.username, user]));
  const tokens = new Map<string, Promise<string>>();

  const userFor = (username: string): DemoUser => {
    const known = users.get(username);
    if (known !== undefined) return known;
    const created = addUser(cognito, identity.userPoolId, username);
    users.set(username, created);
    return created;
  };

  const signIn = async (username: string): Promise<AuthenticationResult> => {
    const user = userFor(username);
    const response = await fetch(`${edge.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: identity.userPoolClientId,
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    });
    const body = (await response.json()) as {
      AuthenticationResult?: AuthenticationResult;
      __type?: string;
      message?: string;
    };
    if (!response.ok || body.AuthenticationResult === undefined)
      throw new TestCognitoSignInError(
        `InitiateAuth for ${username} failed: ${body.__type ?? response.status} ${body.message ?? ''}`,
      );
    return body.AuthenticationResult;
  };

  const tokenFor = (username: string): Promise<string> => {
    let token = tokens.get(username);
    if (token === undefined) {
      token = signIn(username).then((result) => result.IdToken);
      tokens.set(username, token);
    }
    return token;
  };

  return {
    endpoint: edge.url,
    region,
    userPoolId: identity.userPoolId,
    userPoolClientId: identity.userPoolClientId,
    issuer: identity.issuer,
    cognito,
    identity,
    tokenFor,
    signIn,
    subOf: async (username) => userFor(username).sub,
    stop: () => edge.close(),
  };
};
