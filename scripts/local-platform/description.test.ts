/**
 * The glue hands the local cloud the event invoke config the stack deploys (modules/functions.ts): the functions
 * rules invoke asynchronously retry by core/platform/resources.ts's asyncInvocation and dead-letter to the failure
 * queue; the others keep AWS's default.
 */
import { asyncInvocation } from '../../core/platform/resources';
import { asyncFunctionNames } from '../../modules/role-policies';
import { platformDescription, PLATFORM } from './description';
import { rules } from '../../core/platform/resources';

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
});
