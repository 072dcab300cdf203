/**
 * The reconciler's pass at local start-up (issue 15): executions and queue contents live in memory locally, so after
 * a crash with DATA_DIR every order that was mid-saga has nothing left to move it. Before the API takes new orders
 * the reconciler function (the same handler the schedule runs) is invoked once with no age threshold: nothing can
 * be running yet, and the use case would leave a running execution alone anyway.
 */
import type { RunningLocalCloud } from './cloud';

export interface StartUpReconcileReport {
  readonly examined: number;
  readonly resumed: number;
}

/** Invokes the reconciler once; answers its report, or throws with the function's error. */
export const reconcileAtStart = async (cloud: RunningLocalCloud): Promise<StartUpReconcileReport> => {
  const outcome = await cloud.services.lambda.invoke(cloud.names('reconciler'), { staleAfterSeconds: 0 });
  if (outcome.error !== undefined)
    throw new Error(`the start-up reconciler pass failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  return outcome.result as StartUpReconcileReport;
};
