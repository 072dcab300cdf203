/**
 * Recovery of orders a crash or an outage left half-done (issue 15). In AWS a saga that failed on an outage
 * longer than its retries, and locally a saga whose in-memory execution died with the process, leave an order in
 * PENDING .. PAYMENT_CAPTURED or COMPENSATING with nothing to move it on: `start-saga` names the execution after
 * the order, so a second order.created starts nothing.
 *
 * The reconciler finds such orders (not terminal, created longer ago than a threshold) and resumes each saga
 * under a NEW execution name, `<orderId>-r<N>`, the lowest attempt number not used yet — or under the order's own
 * name when no saga was ever started for it (the API died between its commit and the publish of order.created).
 * A PENDING order it takes up also gets its order.created published again, with the id derived from the order
 * (orderCreatedEventId), so the consumers that never saw it (events log, webhooks) do, and those that did
 * deduplicate it; the saga is started first, so start-saga meets the claim and starts nothing a second time. Resuming is safe because
 * every step is idempotent per order: a step whose status was reached answers `already-done`, the payment
 * provider's authorise and capture are keyed by the order, the reservation is one per order (on the order item), and a
 * COMPENSATING order is routed to the compensations (SagaCompensationPendingError in the ASL). An execution that is
 * still running (the first one or a resumed one) is left alone, so a slow saga is not raced by a second.
 *
 * NEEDS_ATTENTION is the operator's: the reconciler never touches it; `retryParkedOrder` is the operator's action.
 * Pure: the finder and the saga runner are ports (core/store/stale-orders.ts, core/adapters/step-functions-saga-runner.ts).
 */
import type { OrderStatus } from '../domain/order-status';
import { OrderError, OrderNotFoundError } from './errors';
import type { LogPort, OrderRepository } from './ports';

export interface StaleOrder {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StaleOrderFinder {
  /** Orders in `status` created before `createdBefore` (ISO), oldest first, at most `limit`. */
  findStale(status: OrderStatus, createdBefore: string, limit: number): Promise<StaleOrder[]>;
}

/** Publishes an order's order.created again, with its stable id (OrderService.announceCreated). */
export interface OrderCreatedAnnouncer {
  announceCreated(orderId: string): Promise<void>;
}

export interface SagaRunner {
  /** Starts an execution of the order saga named `executionName` for the order; 'exists' when the name was used. */
  start(executionName: string, orderId: string): Promise<'started' | 'exists'>;
  /** Whether the execution of that name is running now; false when it ended or never existed. */
  isRunning(executionName: string): Promise<boolean>;
}

/** Not terminal and not the operator's: what the reconciler drives on. */
export const RECONCILED_STATUSES: readonly OrderStatus[] = [
  'PENDING',
  'VALIDATED',
  'INVENTORY_RESERVED',
  'PAYMENT_CAPTURED',
  'COMPENSATING',
];

/** The name of the N-th resumed execution of an order's saga; the first execution is named after the order alone. */
export const resumedExecutionName = (orderId: string, attempt: number): string => `${orderId}-r${attempt}`;

export type ResumeOutcome =
  | { readonly outcome: 'resumed'; readonly executionName: string; readonly attempt: number }
  | { readonly outcome: 'in-progress'; readonly executionName: string }
  | { readonly outcome: 'exhausted'; readonly attempts: number };

/**
 * Resumes the order's saga under the lowest unused `<orderId>-r<N>` (N <= maxAttempts), unless an execution of
 * the order is still running. Attempt names already used are skipped, so two passes never reuse a name. When the
 * order's own name was never used (no saga was started: order.created was lost), that name is attempt 0.
 */
export const resumeSaga = async (runner: SagaRunner, orderId: string, maxAttempts: number): Promise<ResumeOutcome> => {
  if (await runner.isRunning(orderId)) return { outcome: 'in-progress', executionName: orderId };
  // The name start-saga would have used; 'exists' (claimed before, by start-saga or a pass) in every other case.
  if ((await runner.start(orderId, orderId)) === 'started')
    return { outcome: 'resumed', executionName: orderId, attempt: 0 };
  if (await runner.isRunning(orderId)) return { outcome: 'in-progress', executionName: orderId };
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const executionName = resumedExecutionName(orderId, attempt);
    // Asked first: StartExecution answers a running execution of the same name and input as if it had started it
    // (AWS's idempotent start), so a pass would report a resumption that started nothing.
    if (await runner.isRunning(executionName)) return { outcome: 'in-progress', executionName };
    if ((await runner.start(executionName, orderId)) === 'started')
      return { outcome: 'resumed', executionName, attempt };
    if (await runner.isRunning(executionName)) return { outcome: 'in-progress', executionName };
  }
  return { outcome: 'exhausted', attempts: maxAttempts };
};

export interface ReconcileReport {
  readonly examined: number;
  readonly resumed: number;
  /** PENDING orders among the resumed whose order.created was published again. */
  readonly announced: number;
  readonly inProgress: number;
  /** Orders whose every allowed attempt was used: an alarm-worthy error log, left for the operator. */
  readonly exhausted: number;
  /** Orders whose resumption failed this pass (the runner unreachable); the next pass tries again. */
  readonly failed: number;
  /** Whether the pass stopped at its time budget with orders left for the next pass. */
  readonly outOfTime: boolean;
}

export interface ReconcilerDeps {
  readonly finder: StaleOrderFinder;
  readonly runner: SagaRunner;
  readonly announcer: OrderCreatedAnnouncer;
  readonly log: LogPort;
  readonly now: () => Date;
  /** An order younger than this is its first saga's to finish (longer than the saga's own timeout in AWS). */
  readonly staleAfterMs: number;
  /** Resumed executions per order before the reconciler gives up on it. */
  readonly maxAttempts: number;
  /** Orders per status per pass. */
  readonly limitPerStatus: number;
  /**
   * Milliseconds the pass may spend (the function's remaining time less a margin): past it no further order is
   * taken up, so a pass over many orders ends with its report instead of being killed at its timeout.
   */
  readonly budgetMs?: number;
}

/** One pass: every stale order of every reconciled status is resumed (or found in progress). */
export const reconcileStaleOrders = async (deps: ReconcilerDeps): Promise<ReconcileReport> => {
  const began = deps.now().getTime();
  const createdBefore = new Date(began - deps.staleAfterMs).toISOString();
  const counts = { examined: 0, resumed: 0, announced: 0, inProgress: 0, exhausted: 0, failed: 0, outOfTime: false };
  const outOfTime = (): boolean => deps.budgetMs !== undefined && deps.now().getTime() - began >= deps.budgetMs;
  for (const status of RECONCILED_STATUSES) {
    if (outOfTime()) return { ...counts, outOfTime: true };
    for (const order of await deps.finder.findStale(status, createdBefore, deps.limitPerStatus)) {
      if (outOfTime()) return { ...counts, outOfTime: true };
      counts.examined += 1;
      try {
        const resumed = await resumeSaga(deps.runner, order.orderId, deps.maxAttempts);
        if (resumed.outcome === 'resumed') {
          counts.resumed += 1;
          deps.log.info('saga resumed', {
            orderId: order.orderId,
            status: order.status,
            executionName: resumed.executionName,
          });
          if (order.status === 'PENDING') {
            // After the start, so start-saga finds the claim; a failure leaves the saga running and is only logged.
            await deps.announcer.announceCreated(order.orderId).then(
              () => {
                counts.announced += 1;
              },
              (error: unknown) =>
                deps.log.warn('order.created could not be published again', { orderId: order.orderId, error }),
            );
          }
        } else if (resumed.outcome === 'in-progress') {
          counts.inProgress += 1;
        } else {
          counts.exhausted += 1;
          deps.log.error('order not terminal after every resumed saga', {
            orderId: order.orderId,
            status: order.status,
            attempts: resumed.attempts,
          });
        }
      } catch (error) {
        counts.failed += 1;
        deps.log.warn('saga resumption failed; the next pass retries', {
          orderId: order.orderId,
          status: order.status,
          error,
        });
      }
    }
  }
  return counts;
};

/** Orders in `status` created after `createdAfter` (ISO), newest first, at most `limit`. */
export interface RecentOrderFinder {
  findCreatedAfter(status: OrderStatus, createdAfter: string, limit: number): Promise<StaleOrder[]>;
}

/** Publishes the event of the status an order is in, with its stable id (OrderService.announceStatus). */
export interface OrderStatusAnnouncer {
  announceStatus(orderId: string): Promise<void>;
}

/** The terminal statuses (and the operator's) whose event a step publishes after its write. */
export const ANNOUNCED_END_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'];

/**
 * The local start-up's second half: publishes again the event of every order created within `sinceMs` that ended
 * CONFIRMED, FAILED or NEEDS_ATTENTION. A saga step publishes its status event after its write; in AWS, when the step
 * dies between the two, Step Functions retries it and the retry announces the change again. Locally the executions
 * die with the process, so nothing would: these republishes (stable ids: every consumer acts on an id once) stand in
 * for those retries. Never scheduled in AWS.
 */
export const reannounceRecentEnds = async (
  deps: { finder: RecentOrderFinder; announcer: OrderStatusAnnouncer; log: LogPort; now: () => Date },
  sinceMs: number,
  limitPerStatus: number,
  budgetMs?: number,
): Promise<{ announced: number; failed: number; outOfTime: boolean }> => {
  const began = deps.now().getTime();
  const createdAfter = new Date(began - sinceMs).toISOString();
  const counts = { announced: 0, failed: 0, outOfTime: false };
  const outOfTime = (): boolean => budgetMs !== undefined && deps.now().getTime() - began >= budgetMs;
  for (const status of ANNOUNCED_END_STATUSES) {
    // Newest first: the orders that ended at the crash come before those a limit or the budget leaves out.
    for (const order of await deps.finder.findCreatedAfter(status, createdAfter, limitPerStatus)) {
      if (outOfTime()) return { ...counts, outOfTime: true };
      try {
        await deps.announcer.announceStatus(order.orderId);
        counts.announced += 1;
      } catch (error) {
        counts.failed += 1;
        deps.log.warn('an order status event could not be published again', { orderId: order.orderId, status, error });
      }
    }
  }
  return counts;
};

/** The operator's retry names an order that is not parked: nothing to retry (409). */
export class OrderNotParkedError extends OrderError {
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(`order ${orderId} is ${status}, not NEEDS_ATTENTION`, { code: 'ORDER_NOT_PARKED', httpStatus: 409 });
    this.name = 'OrderNotParkedError';
  }
}

/** Every resumed name of a parked order is used: the operator has retried too often (409). */
export class OrderRetriesExhaustedError extends OrderError {
  constructor(
    readonly orderId: string,
    readonly attempts: number,
  ) {
    super(`order ${orderId} was resumed ${attempts} times already`, {
      code: 'ORDER_RETRIES_EXHAUSTED',
      httpStatus: 409,
    });
    this.name = 'OrderRetriesExhaustedError';
  }
}

/** Resumed executions an operator may start for one order (beyond the reconciler's own). */
export const OPERATOR_MAX_ATTEMPTS = 25;

/**
 * The operator's action on a parked order: resume its saga, which runs the compensations again (idempotent) and
 * ends FAILED when they hold, or parks it again when they do not. Only NEEDS_ATTENTION orders qualify.
 */
export const retryParkedOrder = async (
  deps: { readonly orders: Pick<OrderRepository, 'getOrder'>; readonly runner: SagaRunner },
  orderId: string,
): Promise<{ readonly executionName: string }> => {
  const order = await deps.orders.getOrder(orderId);
  if (order === undefined) throw new OrderNotFoundError(orderId);
  if (order.status !== 'NEEDS_ATTENTION') throw new OrderNotParkedError(orderId, order.status);
  const resumed = await resumeSaga(deps.runner, orderId, OPERATOR_MAX_ATTEMPTS);
  if (resumed.outcome === 'exhausted') throw new OrderRetriesExhaustedError(orderId, resumed.attempts);
  return { executionName: resumed.executionName };
};
