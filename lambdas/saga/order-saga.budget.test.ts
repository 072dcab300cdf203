/**
 * Issue 20, items 2, 3 and 6, checked on the ASL file itself: the execution timeout holds the worst retry path of
 * every route through the saga with margin; a step whose Powertools record was left INPROGRESS (its success write
 * lost, or the function died after its effect) is retried past the in-progress window instead of compensated; and
 * the ambiguous invoke errors are retried on the forward steps (every step is idempotent).
 * Issue 18, the workflow type: the state transitions Standard bills on the happy and the worst path, and on Express
 * (five minutes at most) where the worst path ends and who finishes the order then (docs/decisions.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPRESS_MAX_MS } from '../../core/adapters/claimed-saga-runner';
import { ORDER_STATUSES, isTerminal } from '../../core/domain/order-status';
import { RECONCILED_STATUSES } from '../../core/orders/reconciler';
import { functions, stateMachines } from '../../core/platform/resources';

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}
interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly { readonly Next: string }[];
  readonly Next?: string;
}

const definition = JSON.parse(readFileSync(join(__dirname, 'order-saga.asl.json'), 'utf8')) as {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, State>;
};
const spec = stateMachines[0];
const FORWARD = ['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
const TASKS = Object.entries(definition.States)
  .filter(([, state]) => state.Type === 'Task')
  .map(([name]) => name);

/** The longest wait a retrier can add (jitter only shortens it), and how many attempts it allows. */
const retrierWaits = (retrier: Retrier): number[] =>
  Array.from({ length: retrier.MaxAttempts ?? 3 }, (_, attempt) =>
    Math.min(
      (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt,
      retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
    ),
  );

/** A Task at its worst: every retrier used up (errors alternating between them), every attempt running to its TimeoutSeconds. */
const worstTaskSeconds = (state: State): number => {
  const retriers = state.Retry ?? [];
  const attempts = 1 + retriers.reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
  const waits = retriers.flatMap(retrierWaits).reduce((sum, wait) => sum + wait, 0);
  return attempts * (state.TimeoutSeconds ?? 60) + waits;
};

/** The longest route from `name` to a terminal state (the saga's graph has no cycles). */
const worstFrom = (name: string): number => {
  const state = definition.States[name];
  const own = state.Type === 'Task' ? worstTaskSeconds(state) : 0;
  const next = [state.Next, ...(state.Catch ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined);
  return own + Math.max(0, ...[...new Set(next)].map(worstFrom));
};

/** Billed state transitions: one per state entered, one more per retry of a Task (Step Functions pricing). */
const transitionsOf = (state: State, worst: boolean): number =>
  state.Type === 'Task' && worst ? 1 + (state.Retry ?? []).reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0) : 1;

/** The most transitions any route from `name` can bill. */
const worstTransitionsFrom = (name: string): number => {
  const state = definition.States[name];
  const next = [state.Next, ...(state.Catch ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined);
  return transitionsOf(state, true) + Math.max(0, ...[...new Set(next)].map(worstTransitionsFrom));
};

/** The transitions of the path where every step succeeds at its first attempt. */
const happyTransitions = (): number => {
  let count = 0;
  for (let name: string | undefined = definition.StartAt; name !== undefined; name = definition.States[name].Next)
    count += transitionsOf(definition.States[name], false);
  return count;
};

const functionTimeout = (state: string): number => {
  const placeholder = /\$\{(\w+)\}/.exec(
    definition.States[state].Resource ?? '',
  )?.[1] as keyof typeof spec.functionArns;
  const fn = functions.find((f) => f.name === spec.functionArns[placeholder]);
  return fn?.timeoutSeconds ?? Number.POSITIVE_INFINITY;
};

describe('the order saga’s time budget', () => {
  it('the execution timeout holds the worst retry path through the saga with at least 20 % margin', () => {
    const worst = worstFrom(definition.StartAt);

    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(Math.ceil(worst * 1.2));
  });

  it('every Task retries an in-progress idempotency record for longer than its function can hold it (no jitter to shorten it)', () => {
    const short = TASKS.filter((state) => {
      const retrier = definition.States[state].Retry?.find((r) => r.ErrorEquals.includes('StepInProgressError'));
      if (retrier === undefined || (retrier.JitterStrategy ?? 'NONE') !== 'NONE') return true;
      return retrierWaits(retrier).reduce((sum, wait) => sum + wait, 0) <= functionTimeout(state);
    });

    expect(short).toEqual([]);
  });

  it('the forward steps retry the ambiguous invoke errors, and a Task times out no sooner than its function', () => {
    const ambiguous = ['Lambda.Unknown', 'Lambda.ClientExecutionTimeoutException', 'States.TaskFailed'];
    const missing = FORWARD.flatMap((state) =>
      ambiguous
        .filter(
          (error) =>
            !(definition.States[state].Retry ?? []).some(
              (r) => (r.MaxAttempts ?? 3) > 0 && r.ErrorEquals.includes(error),
            ),
        )
        .map((error) => `${state}: ${error}`),
    );

    expect(missing).toEqual([]);
    expect(TASKS.filter((state) => (definition.States[state].TimeoutSeconds ?? 0) <= functionTimeout(state))).toEqual(
      [],
    );
  });

  it('never retries a business error, even behind the States.TaskFailed wildcard: a retrier of no attempts matches it first', () => {
    const BUSINESS = ['ValidationFailedError', 'OutOfStockError', 'PaymentDeclinedError'];
    const retriedFirst = FORWARD.flatMap((state) =>
      BUSINESS.filter((error) => {
        const first = (definition.States[state].Retry ?? []).find(
          (r) =>
            r.ErrorEquals.includes(error) ||
            r.ErrorEquals.includes('States.TaskFailed') ||
            r.ErrorEquals.includes('States.ALL'),
        );
        return first !== undefined && (first.MaxAttempts ?? 3) > 0;
      }).map((error) => `${state}: ${error}`),
    );

    expect(retriedFirst).toEqual([]);
  });
});

describe('the order saga’s workflow type by numbers', () => {
  it('bills 5 transitions on the happy path (ValidateOrder, ReserveInventory, ChargePayment, ConfirmOrder, Confirmed)', () => {
    expect(happyTransitions()).toBe(5);
  });

  it('bills at most 86 transitions on its worst path (every retry used, compensated, then parked)', () => {
    expect(worstTransitionsFrom(definition.StartAt)).toBe(86);
  });

  it('does not fit its worst path into an Express execution, so the reconciler resumes every status a cut-off saga leaves', () => {
    const worstMs = worstFrom(definition.StartAt) * 1000;
    const leftByASaga = ORDER_STATUSES.filter((status) => !isTerminal(status) && status !== 'NEEDS_ATTENTION');

    expect(worstMs).toBeGreaterThan(EXPRESS_MAX_MS);
    expect([...RECONCILED_STATUSES].sort()).toEqual([...leftByASaga].sort());
  });
});
