import type { AdminStats } from './types';

export type Outcome = 'CONFIRMED' | 'FAILED' | 'NEEDS_ATTENTION';
export const OUTCOMES: readonly Outcome[] = ['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'];

export interface MinuteBucket {
  /** Epoch ms of the minute's start. */
  minute: number;
  counts: Record<Outcome, number>;
}

/** The API's per-minute counts (GET /api/admin/stats) as chart buckets, oldest first; unreadable minutes are dropped. */
export const bucketsOf = (stats: AdminStats | undefined): MinuteBucket[] =>
  (stats?.perMinute ?? [])
    .map((row) => ({
      minute: Date.parse(row.minute),
      counts: { CONFIRMED: row.CONFIRMED, FAILED: row.FAILED, NEEDS_ATTENTION: row.NEEDS_ATTENTION },
    }))
    .filter((bucket) => Number.isFinite(bucket.minute))
    .sort((a, b) => a.minute - b.minute);

/** Orders that finished in the window, per outcome. */
export const totalsOf = (buckets: readonly MinuteBucket[]): Record<Outcome, number> => {
  const totals: Record<Outcome, number> = { CONFIRMED: 0, FAILED: 0, NEEDS_ATTENTION: 0 };
  for (const bucket of buckets) for (const outcome of OUTCOMES) totals[outcome] += bucket.counts[outcome];
  return totals;
};
