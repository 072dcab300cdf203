/**
 * GET /api/admin/stats?minutes=60 (admin): orders per minute by outcome and the p50/p99 completion time over the
 * window, computed from the orders themselves (GSI2 by status, the creation time in the sort key).
 *
 * An order counts in the minute of its terminal timeline entry (the last entry in its current status), so a
 * minute holds the orders that finished in it. Completion time is createdAt -> that entry. Orders are read from
 * GSI2 by creation time, from `COMPLETION_LOOKBACK_MS` before the window: an order that took longer than that to
 * finish is not counted (the saga's own timeout is far shorter).
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { Order } from '../../core/domain/order';
import type { OrderStatus } from '../../core/domain/order-status';
import type { DynamoDashboardQueries } from '../../core/store/dashboard-queries';
import { requireAdmin } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export const OUTCOMES = ['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'] as const satisfies readonly OrderStatus[];
export type Outcome = (typeof OUTCOMES)[number];

const MINUTE_MS = 60_000;
/** How long before the window an order may have been created and still finish inside it. */
export const COMPLETION_LOOKBACK_MS = 60 * MINUTE_MS;
/** At most this many orders per outcome are read for one answer. */
export const MAX_ORDERS_PER_OUTCOME = 50_000;

export const StatsQuerySchema = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) });

export const StatsResponseSchema = z.object({
  window: z.object({ from: z.string(), to: z.string() }),
  perMinute: z.array(
    z.object({
      minute: z.string(),
      CONFIRMED: z.number().int(),
      FAILED: z.number().int(),
      NEEDS_ATTENTION: z.number().int(),
    }),
  ),
  completion: z.object({ count: z.number().int(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
});
export type StatsResponse = z.infer<typeof StatsResponseSchema>;

/** A finished order as the arithmetic needs it. */
export interface Completion {
  readonly outcome: Outcome;
  readonly createdAtMs: number;
  readonly finishedAtMs: number;
}

/**
 * The nearest-rank percentile (`p` in 0..100] of `values`: the smallest value with at least p% of the values at
 * or below it; null for no values. Always one of the values, so never an interpolation nobody measured.
 */
export const percentile = (values: readonly number[], p: number): number | null => {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
};

/** The finish of an order in a terminal outcome: its last timeline entry in that status; undefined otherwise. */
export const completionOf = (order: Order): Completion | undefined => {
  if (!(OUTCOMES as readonly string[]).includes(order.status)) return undefined;
  const entry = [...order.timeline].reverse().find((candidate) => candidate.status === order.status);
  const createdAtMs = Date.parse(order.createdAt);
  const finishedAtMs = entry === undefined ? Number.NaN : Date.parse(entry.at);
  if (!Number.isFinite(createdAtMs) || !Number.isFinite(finishedAtMs)) return undefined;
  return { outcome: order.status as Outcome, createdAtMs, finishedAtMs };
};

/**
 * The window of `minutes` whole minutes ending with the minute of `now`: from the start of the first minute to
 * `now`, one bucket per minute.
 */
export const statsWindow = (now: Date, minutes: number): { fromMs: number; toMs: number; minuteStarts: number[] } => {
  const lastMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const fromMs = lastMinute - (minutes - 1) * MINUTE_MS;
  return {
    fromMs,
    toMs: now.getTime(),
    minuteStarts: Array.from({ length: minutes }, (_, index) => fromMs + index * MINUTE_MS),
  };
};

/** Buckets the completions that finished inside the window and computes the completion-time percentiles. */
export const computeStats = (completions: readonly Completion[], now: Date, minutes: number): StatsResponse => {
  const { fromMs, toMs, minuteStarts } = statsWindow(now, minutes);
  const buckets = minuteStarts.map((start) => ({
    minute: new Date(start).toISOString(),
    CONFIRMED: 0,
    FAILED: 0,
    NEEDS_ATTENTION: 0,
  }));
  const durations: number[] = [];
  for (const completion of completions) {
    if (completion.finishedAtMs < fromMs || completion.finishedAtMs > toMs) continue;
    const bucket = buckets[Math.floor((completion.finishedAtMs - fromMs) / MINUTE_MS)];
    if (bucket === undefined) continue;
    bucket[completion.outcome] += 1;
    durations.push(Math.max(0, completion.finishedAtMs - completion.createdAtMs));
  }
  return {
    window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    perMinute: buckets,
    completion: { count: durations.length, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99) },
  };
};

export interface StatsRouterDeps {
  readonly queries: Pick<DynamoDashboardQueries, 'ordersInStatusCreatedBetween'>;
  readonly now: () => Date;
}

export const STATS_ROUTES = {
  get: {
    method: 'get',
    path: '/api/admin/stats',
    summary:
      'Orders per minute by outcome (the minute each finished) and p50/p99 completion time (createdAt -> terminal timeline entry) over the last `minutes` (admin)',
    admin: true,
    query: StatsQuerySchema,
    responses: {
      200: { description: 'the statistics', body: StatsResponseSchema },
      400: errorAnswer('invalid minutes'),
      403: errorAnswer('not the admin'),
      422: errorAnswer('too many orders in the window'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const statsRouter = (deps: StatsRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, STATS_ROUTES.get, async (ctx) => {
    requireAdmin(ctx);
    const { minutes } = parseOr400(StatsQuerySchema, ctx.query, 'query');
    const now = deps.now();
    const { fromMs } = statsWindow(now, minutes);
    const from = new Date(fromMs - COMPLETION_LOOKBACK_MS).toISOString();
    const to = now.toISOString();
    // DashboardQueryLimitError answers 422 WINDOW_TOO_LARGE by its class.
    const orders: Order[] = (
      await Promise.all(
        OUTCOMES.map((status) => deps.queries.ordersInStatusCreatedBetween(status, from, to, MAX_ORDERS_PER_OUTCOME)),
      )
    ).flat();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = computeStats(
      orders.map(completionOf).filter((completion): completion is Completion => completion !== undefined),
      now,
      minutes,
    );
  });
  return router;
};
