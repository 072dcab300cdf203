/**
 * The email's customer directory against the local Cognito through the unmodified SDK: one AdminGetUser with the
 * customer id (the user's sub) as the username answers the address; an unknown or malformed id answers nothing.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LocalCognito, seedUserPool, type DemoIdentity } from '@order-platform/local-cloud/cognito';
import { startEdge, type RunningEdge } from '@order-platform/local-cloud/edge';
import { CognitoCustomerDirectory } from './cognito-customer-directory';

let edge: RunningEdge;
let identity: DemoIdentity;
let client: CognitoIdentityProviderClient;
const operations: string[] = [];

beforeAll(async () => {
  const cognito = new LocalCognito({ region: 'eu-west-1' });
  edge = await startEdge({ services: [cognito], extraRoutes: [cognito.route] });
  cognito.setBaseUrl(edge.url);
  identity = seedUserPool(cognito, {
    name: 'orders-directory',
    idSuffix: 'directory',
    client: { name: 'orders-dashboard', id: 'directorydashboardclient' },
    groups: [],
    users: [{ username: 'alice' }, { username: 'bob' }],
  });
  client = new CognitoIdentityProviderClient({
    endpoint: edge.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next, context) => (args) => {
      operations.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordOperation' },
  );
});

afterAll(async () => {
  client.destroy();
  await edge.close();
});

describe('CognitoCustomerDirectory', () => {
  it("answers a customer's address and name in one AdminGetUser by sub", async () => {
    const alice = identity.users.find((user) => user.username === 'alice');
    operations.length = 0;

    const contact = await new CognitoCustomerDirectory(client, identity.userPoolId).contactOf(alice?.sub ?? '');

    expect(contact).toEqual({ email: 'alice@example.com', name: 'alice' });
    expect(operations).toEqual(['AdminGetUserCommand']);
  });

  it('answers nothing for a customer id that is no user of the pool, and asks nothing for a malformed one', async () => {
    const directory = new CognitoCustomerDirectory(client, identity.userPoolId);
    operations.length = 0;

    await expect(directory.contactOf('7c5f3c8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f')).resolves.toBeUndefined();
    await expect(directory.contactOf('not a customer id')).resolves.toBeUndefined();
    expect(operations).toEqual(['AdminGetUserCommand']);
  });

  it('passes any other failure on (a throttled lookup fails the message, which SQS delivers again)', async () => {
    const throttled = {
      send: () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' })),
    } as unknown as CognitoIdentityProviderClient;

    await expect(
      new CognitoCustomerDirectory(throttled, identity.userPoolId).contactOf(identity.users[0].sub),
    ).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('never takes a user found under a username equal to the id for the customer whose sub it is not', async () => {
    // A user whose *username* is another user's sub shape: AdminGetUser finds it by name, its sub differs.
    const lookalike = '0f6e2d1c-3b4a-4596-8877-665544332211';
    const cognito = new LocalCognito({ region: 'eu-west-1' });
    const other = seedUserPool(cognito, {
      name: 'orders-lookalike',
      idSuffix: 'lookalike',
      client: { name: 'orders-dashboard', id: 'lookalikedashboardclient' },
      groups: [],
      users: [{ username: lookalike }],
    });
    const lookalikeEdge = await startEdge({ services: [cognito], extraRoutes: [cognito.route] });
    const lookalikeClient = new CognitoIdentityProviderClient({
      endpoint: lookalikeEdge.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      expect(other.users[0].sub).not.toBe(lookalike);
      await expect(
        new CognitoCustomerDirectory(lookalikeClient, other.userPoolId).contactOf(lookalike),
      ).resolves.toBeUndefined();
    } finally {
      lookalikeClient.destroy();
      await lookalikeEdge.close();
    }
  });
});
