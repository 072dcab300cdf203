/**
 * The reconciler's pass at local start-up (issue 15): executions and queue contents live in memory locally, so after
 * a crash with DATA_DIR every order that was mid-saga has nothing left to move it. Before the API takes new orders
 * the reconciler function (the same handler the schedule runs) is invoked once with no age threshold: nothing can
 * be running yet, and the use case would leave a running execution alone anyway.
 *
 * Before it, one outbox relay pass that takes over the relay's lease: a relay run killed with the process holds it
 * until its budget ends (a minute), and the events a crash left in the outbox (a publish the bus had refused) would
 * wait that long for their consumers.
 *
 * The reconciler pass also publishes again the events of the orders created in the last 10 minutes that ended
 * (CONFIRMED, FAILED, NEEDS_ATTENTION): a step that died between its status change and its publish would be retried
 * by Step Functions in AWS, and the retry would announce the change; locally the execution died with the process.
 * Every event keeps its id, so a consumer that had it acts on it once.
 *
 * The passes never stop `npm start`: on a loaded machine the reconciler can run out of its time (it then stops taking
 * up orders and says so) or time out, and the scheduled passes (every 5 s locally) resume whatever it left. `note`
 * says that to the person starting the platform.
 */
import type { ReconcileReport } from '../../core/orders/reconciler';
import type { RunningLocalCloud } from './cloud';

export interface StartUpReconcileReport {
  /** Outbox records the relay pass published. */
  readonly relayed: number;
  readonly examined: number;
  readonly resumed: number;
  /** Ended orders whose status event was published again. */
  readonly reannounced: number;
  /** Set when the pass did not get through every unfinished order: what happened and who finishes the rest. */
  readonly note?: string;
}

const LEFT_TO_SCHEDULE = 'the scheduled reconciler resumes the rest within a minute';
/** How far back the start-up pass announces ended orders again: far longer than a local saga runs. */
const REANNOUNCE_SINCE_SECONDS = 600;

/** The relay pass; how many records it published (0 when it failed: the schedule relays them). */
const relayAtStart = async (cloud: RunningLocalCloud): Promise<number> => {
  const outcome = await cloud.services.lambda
    .invoke(cloud.names('outbox-relay'), { takeOverLease: true })
    .catch(() => ({ result: undefined, error: 'failed' }));
  const report = outcome.error === undefined ? (outcome.result as { published?: number } | undefined) : undefined;
  return report?.published ?? 0;
};

/** Invokes the outbox relay, then the reconciler, once each; answers their report, with a note when it did not finish. */
export const reconcileAtStart = async (cloud: RunningLocalCloud): Promise<StartUpReconcileReport> => {
  const relayed = await relayAtStart(cloud);
  const outcome = await cloud.services.lambda
    .invoke(cloud.names('reconciler'), { staleAfterSeconds: 0, reannounceSinceSeconds: REANNOUNCE_SINCE_SECONDS })
    .catch((error: unknown) => ({
      result: undefined,
      error: { errorType: (error as Error).name, errorMessage: (error as Error).message },
    }));
  if (outcome.error !== undefined)
    return {
      relayed,
      examined: 0,
      resumed: 0,
      reannounced: 0,
      note: `the start-up reconciler pass failed (${outcome.error.errorType}: ${outcome.error.errorMessage}); ${LEFT_TO_SCHEDULE}`,
    };
  const report = outcome.result as ReconcileReport & { reannounced?: number };
  return {
    relayed,
    examined: report.examined,
    resumed: report.resumed,
    reannounced: report.reannounced ?? 0,
    ...(report.outOfTime ? { note: `the start-up reconciler pass ran out of time; ${LEFT_TO_SCHEDULE}` } : {}),
  };
};
