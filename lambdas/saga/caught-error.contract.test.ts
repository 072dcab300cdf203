/**
 * The contract between the two runtimes and the saga over a failed Lambda task: Step Functions hands a Catch
 * `{ Error: errorType, Cause: JSON of { errorType, errorMessage, trace } }`, and the compensations read exactly that
 * (the step input schema, then core/saga/saga-error.ts for the timeline's reason, outcome and note). The real ASL
 * runs in the local Step Functions over the local Lambda; ValidateOrder throws the domain's ValidationFailedError and
 * MarkOrderFailed parses what it is given with the product's own code. A renamed field on either side fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalLambda } from '@order-platform/local-cloud/lambda';
import { LocalStepFunctions } from '@order-platform/local-cloud/stepfunctions';
import { stateMachines } from '../../core/platform/resources';
import { ValidationFailedError } from '../../core/saga/errors';
import { describeCaughtError, failedStepOutcome, failureReasonFor } from '../../core/saga/saga-error';
import { parseStepInput } from '../shared/saga-step';

const region = 'us-east-1';
const saga = stateMachines[0];
const ORDER_ID = '01JD0000000000000000000001';

describe('a Lambda task error as the saga receives it', () => {
  let lambda: LocalLambda;
  let stepFunctions: LocalStepFunctions;
  const received: unknown[] = [];

  beforeAll(() => {
    lambda = new LocalLambda({ region });
    stepFunctions = new LocalStepFunctions({
      region,
      timeScale: 0.001,
      invoke: (arn, payload, options) => lambda.invoke(arn, payload, options),
    });
    for (const name of new Set(Object.values(saga.functionArns)))
      lambda.register({
        name,
        handler: async (event) => {
          if (name === 'validate-order')
            throw new ValidationFailedError(ORDER_ID, [{ path: 'items', message: 'must not be empty' }]);
          received.push({ name, event });
          return { ok: true };
        },
      });
  });
  afterAll(async () => {
    await stepFunctions.shutdown();
    await lambda.stop();
  });

  it('reaches MarkOrderFailed as { Error, Cause } with the function error in Cause, which the saga reads back', async () => {
    const definition = Object.entries(saga.functionArns).reduce(
      (text, [placeholder, fn]) => text.replaceAll(`\${${placeholder}}`, lambda.functionArn(fn)),
      readFileSync(join(__dirname, '../..', saga.definitionFile), 'utf8'),
    );
    const { stateMachineArn } = stepFunctions.createStateMachine({ name: 'contract', definition });

    const { executionArn } = stepFunctions.startExecution(stateMachineArn, JSON.stringify({ orderId: ORDER_ID }));
    await stepFunctions.waitForExecution(executionArn);
    const markFailed = received.find((call) => (call as { name: string }).name === 'mark-order-failed') as
      | { event: unknown }
      | undefined;
    const input = parseStepInput(markFailed?.event, 'MarkOrderFailed');
    const cause = JSON.parse(input.error?.Cause ?? 'null') as Record<string, unknown>;
    const described = describeCaughtError(input.error);

    expect(input.error?.Error).toBe('ValidationFailedError');
    expect(Object.keys(cause).sort()).toEqual(['errorMessage', 'errorType', 'trace']);
    expect(cause).toMatchObject({
      errorType: 'ValidationFailedError',
      errorMessage: `Order ${ORDER_ID} failed validation: items: must not be empty`,
    });
    expect(cause.trace).toEqual(expect.arrayContaining([expect.stringContaining('ValidationFailedError')]));
    expect(described).toEqual({
      name: 'ValidationFailedError',
      message: `Order ${ORDER_ID} failed validation: items: must not be empty`,
    });
    expect(failureReasonFor(described.name, 'PENDING')).toBe('VALIDATION_FAILED');
    expect(failedStepOutcome(described.name)).toBe('invalid');
  });
});
