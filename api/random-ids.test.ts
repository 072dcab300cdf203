import fc from 'fast-check';
import { decodeTime, isValid } from 'ulid';
import { newUlid, randomHex } from './random-ids';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('random ids from the pooled CSPRNG bytes', () => {
  it('makes valid ULIDs of the current time, all distinct', () => {
    // prepare
    const before = Date.now();
    // act
    const ids = Array.from({ length: 10_000 }, () => newUlid());
    // assess
    const after = Date.now();
    expect(ids.every(isValid)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => decodeTime(id) >= before && decodeTime(id) <= after)).toBe(true);
  });

  it("spreads the ULIDs' random characters evenly over the 32 of the alphabet", () => {
    // prepare
    const counts = new Array<number>(32).fill(0);
    // act
    for (let i = 0; i < 20_000; i += 1) for (const char of newUlid().slice(10)) counts[CROCKFORD.indexOf(char)] += 1;
    // assess: 320,000 draws, 10,000 expected per character; 5 standard deviations (~490) either side
    expect(Math.min(...counts)).toBeGreaterThan(9_500);
    expect(Math.max(...counts)).toBeLessThan(10_500);
  });

  it('answers hex of the length asked for, across refills of the pool', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }), (bytes, count) => {
        const values = Array.from({ length: count }, () => randomHex(bytes));
        return values.every((value) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(value));
      }),
    );
  });
});
