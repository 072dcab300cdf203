/**
 * What the glue hands the local cloud for the functions: the event invoke config the stack deploys
 * (modules/functions.ts) — the functions rules invoke asynchronously retry by core/platform/resources.ts's
 * asyncInvocation and dead-letter to the failure queue, the others keep AWS's default — and the roles the local
 * IAM enforces, here the ingest function's right to write its replay records.
 */
import type { LocalResources } from '@order-platform/local-cloud';
import { evaluate } from '@order-platform/local-cloud/iam';
import { asyncInvocation, rules } from '../../core/platform/resources';
import { asyncFunctionNames, functionRoleName } from '../../modules/role-policies';
import { PLATFORM, platformDescription, platformPrincipals } from './description';

const resources: LocalResources = {
  edgeUrl: 'http://127.0.0.1:4566',
  region: 'us-east-1',
  account: '000000000000',
  ownPorts: [4566],
  name: (logical) => `local-${logical}`,
  queueUrl: (logical) => `http://127.0.0.1:4566/000000000000/local-${logical}`,
  functionArn: (logical) => `arn:aws:lambda:us-east-1:000000000000:function:local-${logical}`,
  stateMachineArn: (logical) => `arn:aws:states:us-east-1:000000000000:stateMachine:local-${logical}`,
  secretArn: (logical) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:local-${logical}-a1B2c3`,
  userPool: { id: 'us-east-1_local', clientId: 'client' },
};

describe('platformDescription', () => {
  const functions = platformDescription(process.cwd()).functions ?? [];

  it('gives every asynchronously invoked function the retries of the resource description and the failure queue', () => {
    const asyncNames = [...asyncFunctionNames(rules)];

    const configured = functions.filter((fn) => fn.asyncInvocation !== undefined);

    expect(asyncNames.length).toBeGreaterThan(0);
    expect(configured.map((fn) => fn.name).sort()).toEqual(asyncNames.sort());
    for (const fn of configured)
      expect(fn.asyncInvocation).toEqual({
        maximumRetryAttempts: asyncInvocation.maximumRetryAttempts,
        maximumEventAgeSeconds: asyncInvocation.maximumEventAgeSeconds,
        onFailureQueue: PLATFORM.failureQueue,
      });
  });

  it('lets the ingest function write, mark and release its (partner, webhook-id) records in the table', () => {
    const role = platformPrincipals(resources).find(
      (principal) => principal.roleName === functionRoleName('local-ingest-partner-event'),
    );
    const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/local-orders';

    const decisions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map((action) =>
      evaluate(role?.statements ?? [], { action, resource: table }),
    );

    expect(decisions).toEqual(['Allow', 'Allow', 'Allow']);
  });
});
