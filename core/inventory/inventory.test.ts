import fc from 'fast-check';
import { aggregateLines, InventoryLinesInvalidError, MAX_PRODUCTS_PER_RESERVATION } from './inventory';

describe('aggregateLines', () => {
  it('sums the lines of one product into one line, sorted by product id', () => {
    const lines = aggregateLines([
      { productId: 'b', quantity: 1 },
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 3 },
    ]);

    expect(lines).toEqual([
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 4 },
    ]);
  });

  it.each([
    [[], 'at least one line'],
    [[{ productId: 'a', quantity: 0 }], 'positive integer'],
    [[{ productId: 'a', quantity: 1.5 }], 'positive integer'],
    [[{ productId: '', quantity: 1 }], 'invalid product id'],
    [
      Array.from({ length: MAX_PRODUCTS_PER_RESERVATION + 1 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })),
      'at most',
    ],
  ])('refuses %j', (lines, message) => {
    expect(() => aggregateLines(lines)).toThrow(InventoryLinesInvalidError);
    expect(() => aggregateLines(lines)).toThrow(message);
  });

  it('property: the total quantity per product is preserved and every product appears once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ productId: fc.constantFrom('a', 'b', 'c', 'd'), quantity: fc.integer({ min: 1, max: 1000 }) }),
          { minLength: 1, maxLength: 30 },
        ),
        (lines) => {
          const aggregated = aggregateLines(lines);
          expect(new Set(aggregated.map((line) => line.productId)).size).toBe(aggregated.length);
          for (const { productId, quantity } of aggregated) {
            expect(quantity).toBe(
              lines.filter((line) => line.productId === productId).reduce((sum, line) => sum + line.quantity, 0),
            );
          }
        },
      ),
    );
  });
});
