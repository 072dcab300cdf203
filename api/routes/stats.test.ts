import fc from 'fast-check';
import type { Order } from '../../core/domain/order';
import { completionOf, computeStats, OUTCOMES, percentile, statsWindow } from './stats';
import type { Completion } from './stats';

const order = (overrides: Partial<Order>): Order => ({
  orderId: '01J00000000000000000000000',
  customerId: 'alice',
  lines: [],
  total: { amount: 100, currency: 'USD' },
  status: 'CONFIRMED',
  timeline: [],
  paymentToken: 'tok_visa',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...overrides,
});

describe('percentile (nearest rank)', () => {
  it('is one of the values, with at least p% of the values at or below it and fewer than p% strictly below', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.5, max: 100, noNaN: true }),
        (values, p) => {
          const result = percentile(values, p) as number;
          const atOrBelow = values.filter((value) => value <= result).length;
          const below = values.filter((value) => value < result).length;
          expect(values).toContain(result);
          expect(atOrBelow / values.length).toBeGreaterThanOrEqual(p / 100 - 1e-9);
          expect(below / values.length).toBeLessThan(p / 100);
        },
      ),
    );
  });

  it('does not depend on the order of the values and never falls as p rises', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 100 }), (values) => {
        const reversed = [...values].reverse();
        expect(percentile(reversed, 50)).toBe(percentile(values, 50));
        expect(percentile(values, 50) as number).toBeLessThanOrEqual(percentile(values, 99) as number);
        expect(percentile(values, 100)).toBe(Math.max(...values));
      }),
    );
  });

  it('is null for no values and refuses a p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('answers the textbook values', () => {
    expect(percentile([15, 20, 35, 40, 50], 30)).toBe(20);
    expect(percentile([15, 20, 35, 40, 50], 50)).toBe(35);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });
});

describe('completionOf', () => {
  it('takes the last timeline entry in the terminal status as the finish', () => {
    const failed = order({
      status: 'FAILED',
      timeline: [
        { status: 'PENDING', at: '2026-01-01T10:00:00.000Z' },
        { status: 'COMPENSATING', at: '2026-01-01T10:00:01.000Z', reason: 'PAYMENT_DECLINED' },
        { status: 'FAILED', at: '2026-01-01T10:00:02.500Z', reason: 'PAYMENT_DECLINED' },
      ],
    });

    expect(completionOf(failed)).toEqual({
      outcome: 'FAILED',
      createdAtMs: Date.parse('2026-01-01T10:00:00.000Z'),
      finishedAtMs: Date.parse('2026-01-01T10:00:02.500Z'),
    });
  });

  it('is undefined for an order still under way or without its terminal entry', () => {
    expect(
      completionOf(
        order({
          status: 'PAYMENT_CAPTURED',
          timeline: [{ status: 'PAYMENT_CAPTURED', at: '2026-01-01T10:00:01.000Z' }],
        }),
      ),
    ).toBeUndefined();
    expect(
      completionOf(order({ status: 'CONFIRMED', timeline: [{ status: 'PENDING', at: '2026-01-01T10:00:00.000Z' }] })),
    ).toBeUndefined();
  });
});

describe('computeStats', () => {
  const now = new Date('2026-01-01T10:59:30.000Z');

  it('has one bucket per minute, the last one the current minute, and the window from its first minute to now', () => {
    const stats = computeStats([], now, 60);

    expect(stats.perMinute).toHaveLength(60);
    expect(stats.perMinute[0]?.minute).toBe('2026-01-01T10:00:00.000Z');
    expect(stats.perMinute[59]?.minute).toBe('2026-01-01T10:59:00.000Z');
    expect(stats.window).toEqual({ from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T10:59:30.000Z' });
    expect(stats.completion).toEqual({ count: 0, p50Ms: null, p99Ms: null });
  });

  it('counts each order in the minute it finished, by outcome, and times createdAt -> finish', () => {
    const at = (iso: string) => Date.parse(iso);
    const completions: Completion[] = [
      {
        outcome: 'CONFIRMED',
        createdAtMs: at('2026-01-01T10:58:59.000Z'),
        finishedAtMs: at('2026-01-01T10:59:01.000Z'),
      },
      {
        outcome: 'CONFIRMED',
        createdAtMs: at('2026-01-01T10:59:00.000Z'),
        finishedAtMs: at('2026-01-01T10:59:04.000Z'),
      },
      { outcome: 'FAILED', createdAtMs: at('2026-01-01T10:10:00.000Z'), finishedAtMs: at('2026-01-01T10:10:01.000Z') },
      {
        outcome: 'NEEDS_ATTENTION',
        createdAtMs: at('2026-01-01T09:59:00.000Z'),
        finishedAtMs: at('2026-01-01T10:00:00.000Z'),
      },
      {
        outcome: 'CONFIRMED',
        createdAtMs: at('2026-01-01T09:58:00.000Z'),
        finishedAtMs: at('2026-01-01T09:59:59.999Z'),
      },
    ];

    const stats = computeStats(completions, now, 60);

    expect(stats.perMinute[59]).toEqual({
      minute: '2026-01-01T10:59:00.000Z',
      CONFIRMED: 2,
      FAILED: 0,
      NEEDS_ATTENTION: 0,
    });
    expect(stats.perMinute[10]).toEqual({
      minute: '2026-01-01T10:10:00.000Z',
      CONFIRMED: 0,
      FAILED: 1,
      NEEDS_ATTENTION: 0,
    });
    expect(stats.perMinute[0]).toEqual({
      minute: '2026-01-01T10:00:00.000Z',
      CONFIRMED: 0,
      FAILED: 0,
      NEEDS_ATTENTION: 1,
    });
    expect(stats.completion).toEqual({ count: 4, p50Ms: 2000, p99Ms: 60_000 });
  });

  it('counts every completion inside the window exactly once, and none outside it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(
          fc.record({
            outcome: fc.constantFrom(...OUTCOMES),
            finishedOffsetMs: fc.integer({ min: -3 * 3_600_000, max: 60_000 }),
            durationMs: fc.integer({ min: 0, max: 600_000 }),
          }),
          { maxLength: 100 },
        ),
        (minutes, raw) => {
          const completions = raw.map(({ outcome, finishedOffsetMs, durationMs }) => ({
            outcome,
            finishedAtMs: now.getTime() + finishedOffsetMs,
            createdAtMs: now.getTime() + finishedOffsetMs - durationMs,
          }));
          const { fromMs, toMs } = statsWindow(now, minutes);
          const inside = completions.filter(
            (completion) => completion.finishedAtMs >= fromMs && completion.finishedAtMs <= toMs,
          );

          const stats = computeStats(completions, now, minutes);

          const counted = stats.perMinute.reduce(
            (sum, bucket) => sum + bucket.CONFIRMED + bucket.FAILED + bucket.NEEDS_ATTENTION,
            0,
          );
          expect(counted).toBe(inside.length);
          expect(stats.completion.count).toBe(inside.length);
          for (const outcome of OUTCOMES)
            expect(stats.perMinute.reduce((sum, bucket) => sum + bucket[outcome], 0)).toBe(
              inside.filter((completion) => completion.outcome === outcome).length,
            );
        },
      ),
    );
  });
});
