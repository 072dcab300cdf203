/**
 * The local user pool and its demo users: alice and bob (customers) and admin (group `admin`), created when the
 * local cloud starts, with fresh passwords that are printed at start and listed by `GET /_local/users` on the edge.
 * The pool and client ids are fixed, and `sub` is derived from pool and username, so orders persisted in DATA_DIR
 * keep their owners across restarts.
 */
import { randomBytes } from 'node:crypto';
import type { ExtraRoute } from '../edge/server';
import type { EdgeResponse } from '../edge/types';
import type { LocalCognito } from './local-cognito';

export const ADMIN_GROUP = 'admin';
export const DEMO_CLIENT_ID = 'localordersdashboardclient';

export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly sub: string;
  readonly groups: readonly string[];
}

export interface DemoIdentity {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly issuer: string;
  readonly users: readonly DemoUser[];
}

const DEMO_USERS = [
  { username: 'alice', groups: [] },
  { username: 'bob', groups: [] },
  { username: 'admin', groups: [ADMIN_GROUP] },
] as const;

/** A password Cognito's default policy accepts: upper, lower, digit and symbol, 20 characters. */
export const demoPassword = (): string => `Demo-${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}-7a`;

export const demoUserPoolId = (region: string): string => `${region}_localdemo`;

/**
 * Creates the demo pool, its app client, the `admin` group and any further users with the given groups.
 * Every user gets a permanent password (CONFIRMED), as if it had signed in once already.
 */
export const seedDemoIdentity = (cognito: LocalCognito, extraUsers: readonly { username: string; groups?: readonly string[] }[] = []): DemoIdentity => {
  const userPoolId = demoUserPoolId(cognito.region);
  cognito.createUserPool('orders-local', userPoolId);
  const { clientId } = cognito.createUserPoolClient(userPoolId, 'orders-dashboard', DEMO_CLIENT_ID);
  cognito.createGroup(userPoolId, ADMIN_GROUP, 'Operators: all orders, products, DLQs and redrive');
  const users = [...DEMO_USERS, ...extraUsers].map(({ username, groups = [] }) => addUser(cognito, userPoolId, username, groups));
  return { userPoolId, userPoolClientId: clientId, issuer: cognito.issuer(userPoolId), users };
};

/** Creates one confirmed user with a fresh password, in the given groups. */
export const addUser = (cognito: LocalCognito, userPoolId: string, username: string, groups: readonly string[] = []): DemoUser => {
  const password = demoPassword();
  const email = `${username}@example.com`;
  const created = cognito.adminCreateUser(userPoolId, username, { email, email_verified: 'true' });
  cognito.adminSetUserPassword(userPoolId, username, password, true);
  for (const group of groups) cognito.adminAddUserToGroup(userPoolId, username, group);
  const sub = created.Attributes.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
  return { username, password, email, sub, groups: [...groups] };
};

/** `GET /_local/users` on the edge: the demo users with their passwords, for people and browser tests. */
export const demoUsersRoute =
  (identity: () => DemoIdentity | undefined): ExtraRoute =>
  async (request): Promise<EdgeResponse | undefined> => {
    if (request.path.replace(/\/+$/, '') !== '/_local/users') return undefined;
    if (request.method !== 'GET') return { status: 405, headers: { 'content-type': 'application/json', allow: 'GET' }, body: JSON.stringify({ error: 'MethodNotAllowed', message: 'GET /_local/users only' }) };
    const current = identity();
    if (current === undefined) return { status: 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'NotReady', message: 'The demo users are not created yet' }) };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userPoolId: current.userPoolId,
        userPoolClientId: current.userPoolClientId,
        issuer: current.issuer,
        users: current.users.map(({ username, password, email, sub, groups }) => ({ username, password, email, sub, groups })),
      }),
    };
  };
