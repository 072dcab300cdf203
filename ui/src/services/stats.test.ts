import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketsOf, totalsOf } from './stats';
import type { AdminStats } from './types';

const statsOf = (rows: AdminStats['perMinute']): AdminStats => ({
  window: { from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:59:59.000Z' },
  perMinute: rows,
  completion: { count: 0, p50Ms: null, p99Ms: null },
});

describe('stats', () => {
  it('keeps every minute of the API, oldest first, and the per-outcome totals equal the sums of the minutes', () => {
    const row = fc.record({
      offset: fc.integer({ min: 0, max: 59 }),
      CONFIRMED: fc.nat(50),
      FAILED: fc.nat(50),
      NEEDS_ATTENTION: fc.nat(50),
    });
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => r.offset }), (rows) => {
        // prepare
        const base = Date.parse('2026-01-01T10:00:00.000Z');
        const stats = statsOf(
          rows.map(({ offset, ...counts }) => ({ minute: new Date(base + offset * 60_000).toISOString(), ...counts })),
        );
        // act
        const buckets = bucketsOf(stats);
        const totals = totalsOf(buckets);
        // assess
        expect(buckets).toHaveLength(rows.length);
        expect(buckets.every((b, i) => i === 0 || buckets[i - 1]!.minute < b.minute)).toBe(true);
        expect(totals.CONFIRMED).toBe(rows.reduce((s, r) => s + r.CONFIRMED, 0));
        expect(totals.FAILED).toBe(rows.reduce((s, r) => s + r.FAILED, 0));
        expect(totals.NEEDS_ATTENTION).toBe(rows.reduce((s, r) => s + r.NEEDS_ATTENTION, 0));
      }),
    );
  });

  it('reads nothing from no statistics and drops a minute it cannot parse', () => {
    expect(bucketsOf(undefined)).toEqual([]);
    expect(bucketsOf(statsOf([{ minute: 'soon', CONFIRMED: 1, FAILED: 0, NEEDS_ATTENTION: 0 }]))).toEqual([]);
  });
});
