/**
 * The reconciler's pass at local start-up (issue 15): executions and queue contents live in memory locally, so after
 * a crash with DATA_DIR every order that was mid-saga has nothing left to move it. Before the API takes new orders
 * the reconciler function (the same handler the schedule runs) is invoked once with no age threshold: nothing can
 * be running yet, and the use case would leave a running execution alone anyway.
 *
 * The pass never stops `npm start`: on a loaded machine it can run out of its time (it then stops taking up orders and
 * says so) or time out, and the scheduled passes (every 5 s locally) resume whatever it left. `note` says that to the
 * person starting the platform.
 */
import type { ReconcileReport } from '../../core/orders/reconciler';
import type { RunningLocalCloud } from './cloud';

export interface StartUpReconcileReport {
  readonly examined: number;
  readonly resumed: number;
  /** Set when the pass did not get through every unfinished order: what happened and who finishes the rest. */
  readonly note?: string;
}

const LEFT_TO_SCHEDULE = 'the scheduled reconciler resumes the rest within a minute';

/** Invokes the reconciler once; answers its report, with a note when it did not finish. */
export const reconcileAtStart = async (cloud: RunningLocalCloud): Promise<StartUpReconcileReport> => {
  const outcome = await cloud.services.lambda
    .invoke(cloud.names('reconciler'), { staleAfterSeconds: 0 })
    .catch((error: unknown) => ({
      result: undefined,
      error: { errorType: (error as Error).name, errorMessage: (error as Error).message },
    }));
  if (outcome.error !== undefined)
    return {
      examined: 0,
      resumed: 0,
      note: `the start-up reconciler pass failed (${outcome.error.errorType}: ${outcome.error.errorMessage}); ${LEFT_TO_SCHEDULE}`,
    };
  const report = outcome.result as ReconcileReport;
  return {
    examined: report.examined,
    resumed: report.resumed,
    ...(report.outOfTime ? { note: `the start-up reconciler pass ran out of time; ${LEFT_TO_SCHEDULE}` } : {}),
  };
};
