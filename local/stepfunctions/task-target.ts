/**
 * Which function a Task state calls and with what payload, recorded in the execution history as AWS records it: a
 * Lambda ARN as the resource (LambdaFunctionScheduled/Started) or the optimised integration
 * `arn:aws:states:::lambda:invoke` with FunctionName and Payload (TaskScheduled/Started). Anything else is refused.
 */
import { LAMBDA_ARN, LAMBDA_INVOKE, StepFunctionsLocalResourceError, TaskFunctionError, type AslState } from './model';

/** What a Task attempt records into the history (history.ts `beginTask`). */
interface TaskAttempt {
  record(type: string, details: Record<string, unknown>): void;
}

export interface TaskTarget {
  readonly functionArn: string;
  readonly payload: unknown;
  /** true for `lambda:invoke` (the result is wrapped as {ExecutedVersion, Payload, StatusCode}). */
  readonly integrated: boolean;
}

export const scheduleTask = (
  stateName: string,
  state: AslState,
  taskInput: unknown,
  attempt: TaskAttempt,
  region: string,
): TaskTarget => {
  const resource = String(state.Resource);
  const timeoutInSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
  if (LAMBDA_INVOKE.test(resource)) {
    const parameters = (taskInput ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    if (typeof parameters.FunctionName !== 'string')
      throw new TaskFunctionError(
        'States.Runtime',
        `The Task state '${stateName}' calls lambda:invoke without a FunctionName in its Parameters`,
      );
    attempt.record('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        region,
        parameters: JSON.stringify(taskInput),
        timeoutInSeconds,
      },
    });
    attempt.record('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    return { functionArn: parameters.FunctionName, payload: parameters.Payload ?? {}, integrated: true };
  }
  if (LAMBDA_ARN.test(resource)) {
    attempt.record('LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: { resource, input: JSON.stringify(taskInput), timeoutInSeconds },
    });
    attempt.record('LambdaFunctionStarted', {});
    return { functionArn: resource, payload: taskInput, integrated: false };
  }
  throw new StepFunctionsLocalResourceError(
    `The local Step Functions cannot run the Task resource '${resource}' of state '${stateName}': only Lambda functions are supported`,
  );
};
