/**
 * The demo user pool the local cloud creates for the platform: alice and bob (customers) and admin (group `admin`,
 * the operators the API's auth middleware recognises). The pool and client ids are fixed, so the dashboard and
 * orders kept in DATA_DIR keep working across restarts.
 */
import type { UserPoolDescription } from '@order-platform/local-cloud/cognito';

export const DEMO_CLIENT_ID = 'localordersdashboardclient';
/** The operators' group; api/middleware/auth.ts grants admin rights to the same name. */
export const ADMIN_GROUP = 'admin';

export const demoUserPool: UserPoolDescription = {
  name: 'orders-local',
  idSuffix: 'localdemo',
  client: { name: 'orders-dashboard', id: DEMO_CLIENT_ID },
  groups: [{ name: ADMIN_GROUP, description: 'Operators: all orders, products, DLQs and redrive' }],
  users: [{ username: 'alice' }, { username: 'bob' }, { username: 'admin', groups: [ADMIN_GROUP] }],
};
