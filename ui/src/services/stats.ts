import { TERMINAL_STATUSES, type Order } from './types';

/** The nearest-rank percentile (p in 0..100) of the values; undefined for none. */
export const percentile = (values: readonly number[], p: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
};

/** Milliseconds from creation to the terminal status, for the orders that reached one. */
export const completionTimes = (orders: readonly Order[]): number[] =>
  orders
    .filter((o) => TERMINAL_STATUSES.includes(o.status))
    .map((o) => Date.parse(o.updatedAt) - Date.parse(o.createdAt))
    .filter((ms) => Number.isFinite(ms) && ms >= 0);

export type Outcome = 'CONFIRMED' | 'FAILED' | 'IN_FLIGHT';

export interface MinuteBucket {
  /** Epoch ms of the minute's start. */
  minute: number;
  counts: Record<Outcome, number>;
}

const outcomeOf = (order: Order): Outcome =>
  order.status === 'CONFIRMED' ? 'CONFIRMED' : order.status === 'FAILED' || order.status === 'NEEDS_ATTENTION' ? 'FAILED' : 'IN_FLIGHT';

/** Orders per minute by outcome over the last `minutes` minutes ending at `now` (oldest first). */
export const ordersPerMinute = (orders: readonly Order[], now: number, minutes = 15): MinuteBucket[] => {
  const end = Math.floor(now / 60_000) * 60_000;
  const start = end - (minutes - 1) * 60_000;
  const buckets: MinuteBucket[] = Array.from({ length: minutes }, (_, i) => ({
    minute: start + i * 60_000,
    counts: { CONFIRMED: 0, FAILED: 0, IN_FLIGHT: 0 },
  }));
  for (const order of orders) {
    const at = Date.parse(order.createdAt);
    if (!Number.isFinite(at) || at < start || at >= end + 60_000) continue;
    buckets[Math.floor((at - start) / 60_000)]!.counts[outcomeOf(order)] += 1;
  }
  return buckets;
};
