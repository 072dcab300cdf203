import fc from 'fast-check';
import { money } from '../domain/money';
import { pointsForTotal } from './points';

describe('pointsForTotal', () => {
  it.each([
    [2490, 'EUR', 24],
    [2500, 'EUR', 25],
    [99, 'USD', 0],
    [2490, 'JPY', 2490],
    [24_999, 'BHD', 24],
  ])('earns %i minor units of %s as %i points', (amount, currency, points) => {
    expect(pointsForTotal(money(amount, currency))).toBe(points);
  });

  it('is a whole number, never negative, never more than the total in major units, and grows with the total', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.nat({ max: 10_000 }), (amount, more) => {
        const points = pointsForTotal(money(amount, 'EUR'));
        expect(Number.isSafeInteger(points)).toBe(true);
        expect(points).toBeGreaterThanOrEqual(0);
        expect(points * 100).toBeLessThanOrEqual(amount);
        expect(amount - points * 100).toBeLessThan(100);
        expect(pointsForTotal(money(amount + more, 'EUR'))).toBeGreaterThanOrEqual(points);
      }),
    );
  });
});
