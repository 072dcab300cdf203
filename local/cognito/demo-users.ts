/**
 * A user pool seeded at start: the pool, its app client, its groups and its users, each with a fresh password that is
 * printed at start and listed by `GET /_local/users` on the edge. The pool and client ids are fixed by the
 * description, and `sub` is derived from pool and username, so data kept across restarts keeps its owners.
 * Which users and groups exist is the caller's (the platform's glue); this file only creates them.
 */
import { randomBytes } from 'node:crypto';
import type { ExtraRoute } from '../edge/server';
import type { EdgeResponse } from '../edge/types';
import type { LocalCognito } from './local-cognito';

export interface UserPoolDescription {
  readonly name: string;
  /** The pool id is `${region}_${idSuffix}`. */
  readonly idSuffix: string;
  readonly client: { readonly name: string; readonly id: string };
  readonly groups: readonly { readonly name: string; readonly description?: string }[];
  readonly users: readonly { readonly username: string; readonly groups?: readonly string[] }[];
}

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

/** A password Cognito's default policy accepts: upper, lower, digit and symbol, 20 characters. */
export const demoPassword = (): string => `Demo-${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}-7a`;

/**
 * Creates the pool, its app client, its groups, its users and any further users with the given groups.
 * Every user gets a permanent password (CONFIRMED), as if it had signed in once already.
 */
export const seedUserPool = (
  cognito: LocalCognito,
  pool: UserPoolDescription,
  extraUsers: readonly { username: string; groups?: readonly string[] }[] = [],
): DemoIdentity => {
  const userPoolId = `${cognito.region}_${pool.idSuffix}`;
  cognito.createUserPool(pool.name, userPoolId);
  const { clientId } = cognito.createUserPoolClient(userPoolId, pool.client.name, pool.client.id);
  for (const group of pool.groups) cognito.createGroup(userPoolId, group.name, group.description);
  const users = [...pool.users, ...extraUsers].map(({ username, groups = [] }) =>
    addUser(cognito, userPoolId, username, groups),
  );
  return { userPoolId, userPoolClientId: clientId, issuer: cognito.issuer(userPoolId), users };
};

/** Creates one confirmed user with a fresh password, in the given groups. */
export const addUser = (
  cognito: LocalCognito,
  userPoolId: string,
  username: string,
  groups: readonly string[] = [],
): DemoUser => {
  const password = demoPassword();
  const email = `${username}@example.com`;
  const created = cognito.adminCreateUser(userPoolId, username, { email, email_verified: 'true' });
  cognito.adminSetUserPassword(userPoolId, username, password, true);
  for (const group of groups) cognito.adminAddUserToGroup(userPoolId, username, group);
  const sub = created.Attributes.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
  return { username, password, email, sub, groups: [...groups] };
};

/** `GET /_local/users` on the edge: the pool's users with their passwords, for people and browser tests. */
export const demoUsersRoute =
  (identity: () => DemoIdentity | undefined): ExtraRoute =>
  async (request): Promise<EdgeResponse | undefined> => {
    if (request.path.replace(/\/+$/, '') !== '/_local/users') return undefined;
    if (request.method !== 'GET')
      return {
        status: 405,
        headers: { 'content-type': 'application/json', allow: 'GET' },
        body: JSON.stringify({ error: 'MethodNotAllowed', message: 'GET /_local/users only' }),
      };
    const current = identity();
    if (current === undefined)
      return {
        status: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'NotReady', message: 'The demo users are not created yet' }),
      };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userPoolId: current.userPoolId,
        userPoolClientId: current.userPoolClientId,
        issuer: current.issuer,
        users: current.users.map(({ username, password, email, sub, groups }) => ({
          username,
          password,
          email,
          sub,
          groups,
        })),
      }),
    };
  };
