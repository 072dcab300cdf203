import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { order } from '../test/fakes';
import { completionTimes, ordersPerMinute, percentile } from './stats';

describe('stats', () => {
  it('percentile is one of the values, monotone in p, and p50 <= p99', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (values, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      expect(values).toContain(percentile(values, lo));
      expect(percentile(values, lo)!).toBeLessThanOrEqual(percentile(values, hi)!);
    }));
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  });

  it('counts only terminal orders for completion time', () => {
    const times = completionTimes([
      order({ status: 'CONFIRMED', createdAt: '2026-01-01T10:00:00Z', updatedAt: '2026-01-01T10:00:02Z' }),
      order({ status: 'PAYMENT_CAPTURED', createdAt: '2026-01-01T10:00:00Z', updatedAt: '2026-01-01T10:00:09Z' }),
    ]);
    expect(times).toEqual([2000]);
  });

  it('puts every order of the window into exactly one minute bucket by outcome', () => {
    fc.assert(fc.property(fc.array(fc.record({ offset: fc.integer({ min: 0, max: 15 * 60_000 - 1 }), status: fc.constantFrom('CONFIRMED', 'FAILED', 'PENDING' as const) })), (specs) => {
      const now = Date.parse('2026-01-01T10:15:00Z') - 1;
      const start = Date.parse('2026-01-01T10:00:00Z');
      const orders = specs.map((s) => order({ status: s.status, createdAt: new Date(start + s.offset).toISOString() }));
      const buckets = ordersPerMinute(orders, now);
      const total = buckets.reduce((sum, b) => sum + b.counts.CONFIRMED + b.counts.FAILED + b.counts.IN_FLIGHT, 0);
      expect(buckets).toHaveLength(15);
      expect(total).toBe(specs.length);
      expect(buckets.reduce((s, b) => s + b.counts.CONFIRMED, 0)).toBe(specs.filter((s) => s.status === 'CONFIRMED').length);
    }));
  });
});
