import fc from 'fast-check';
import { BenchSettingInvalidError, formatTable, percentile, positiveIntegerSetting, summarize } from './bench-support';

describe('percentile', () => {
  it('is the nearest-rank sample: p50 of 1..10 is 5, p99 is 10', () => {
    // prepare
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // act
    const [p50, p99] = [percentile(sorted, 50), percentile(sorted, 99)];
    // assess
    expect([p50, p99]).toEqual([5, 10]);
  });

  it('is a measured sample with at least p % of the samples at or below it, and grows with p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, p, q) => {
          const sorted = [...samples].sort((a, b) => a - b);
          const value = percentile(sorted, p);
          expect(sorted).toContain(value);
          expect(sorted.filter((sample) => sample <= value).length).toBeGreaterThanOrEqual((p / 100) * sorted.length);
          expect(percentile(sorted, Math.min(p, q))).toBeLessThanOrEqual(percentile(sorted, Math.max(p, q)));
        },
      ),
    );
  });
});

describe('summarize', () => {
  it('sorts the samples itself and reports count, p50, p99 and max', () => {
    // act
    const summary = summarize([30, 10, 20]);
    // assess
    expect(summary).toEqual({ count: 3, p50: 20, p99: 30, max: 30 });
  });

  it('reports no latency, not zero, when nothing was measured', () => {
    // act
    const summary = summarize([]);
    // assess
    expect(summary.count).toBe(0);
    expect(Number.isNaN(summary.p50)).toBe(true);
  });
});

describe('positiveIntegerSetting', () => {
  it('takes the fallback when unset and the value when set', () => {
    // act and assess
    expect(positiveIntegerSetting({}, 'BENCH_SECONDS', 5)).toBe(5);
    expect(positiveIntegerSetting({ BENCH_SECONDS: '12' }, 'BENCH_SECONDS', 5)).toBe(12);
  });

  it.each(['0', '-3', '2.5', 'five'])('refuses %s naming the variable', (raw) => {
    // act and assess
    expect(() => positiveIntegerSetting({ BENCH_SECONDS: raw }, 'BENCH_SECONDS', 5)).toThrow(BenchSettingInvalidError);
    expect(() => positiveIntegerSetting({ BENCH_SECONDS: raw }, 'BENCH_SECONDS', 5)).toThrow(/BENCH_SECONDS/);
  });
});

describe('formatTable', () => {
  it('pads every column to its widest cell', () => {
    // act
    const lines = formatTable(['a', 'b'], [['long cell', 'x']]).split('\n');
    // assess
    expect(lines).toEqual(['a          b', '---------  -', 'long cell  x']);
  });
});
