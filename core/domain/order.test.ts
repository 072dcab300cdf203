import fc from 'fast-check';
import { money } from './money';
import { OrderValidationError, priceOrder } from './order';
import type { Product } from './product';
import { CreateOrderRequestSchema } from './schemas';

const product = (productId: string, amount: number, currency = 'EUR'): Product => ({
  productId,
  name: productId,
  price: money(amount, currency),
  stock: 10,
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const catalogOf = (...products: Product[]) => new Map(products.map((p) => [p.productId, p]));

describe('order validation and pricing', () => {
  it('computes the total from catalog prices as the sum of price times quantity', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.stringMatching(/^[a-z]{1,8}$/),
            fc.integer({ min: 1, max: 100_000 }),
            fc.integer({ min: 1, max: 100 }),
          ),
          { minLength: 1, maxLength: 50, selector: (t) => t[0] },
        ),
        (lines) => {
          const catalog = catalogOf(...lines.map(([id, price]) => product(id, price)));
          const request = CreateOrderRequestSchema.parse({
            items: lines.map(([productId, , quantity]) => ({ productId, quantity })),
            paymentToken: 'tok',
          });
          const priced = priceOrder(request, catalog);
          expect(priced.total).toEqual(
            money(
              lines.reduce((sum, [, price, quantity]) => sum + price * quantity, 0),
              'EUR',
            ),
          );
          expect(priced.lines.map((line) => line.lineTotal.amount)).toEqual(
            lines.map(([, price, quantity]) => price * quantity),
          );
        },
      ),
    );
  });

  it('rejects an unknown product naming the line', () => {
    expect.assertions(1);
    try {
      priceOrder({ items: [{ productId: 'nope', quantity: 1 }], paymentToken: 't' }, catalogOf(product('a', 100)));
    } catch (error) {
      expect((error as OrderValidationError).violations).toEqual([
        { path: 'items.0.productId', message: 'unknown product nope' },
      ]);
    }
  });

  it('rejects a zero total', () => {
    expect(() =>
      priceOrder({ items: [{ productId: 'free', quantity: 3 }], paymentToken: 't' }, catalogOf(product('free', 0))),
    ).toThrow(OrderValidationError);
  });

  it('rejects mixed currencies', () => {
    expect(() =>
      priceOrder(
        {
          items: [
            { productId: 'a', quantity: 1 },
            { productId: 'b', quantity: 1 },
          ],
          paymentToken: 't',
        },
        catalogOf(product('a', 1), product('b', 1, 'USD')),
      ),
    ).toThrow(OrderValidationError);
  });

  it.each([
    ['no lines', { items: [], paymentToken: 't' }],
    [
      '51 lines',
      { items: Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })), paymentToken: 't' },
    ],
    ['quantity 0', { items: [{ productId: 'a', quantity: 0 }], paymentToken: 't' }],
    ['quantity 101', { items: [{ productId: 'a', quantity: 101 }], paymentToken: 't' }],
    ['fractional quantity', { items: [{ productId: 'a', quantity: 1.5 }], paymentToken: 't' }],
    ['a client price', { items: [{ productId: 'a', quantity: 1, price: 1 }], paymentToken: 't' }],
    ['a client total', { items: [{ productId: 'a', quantity: 1 }], paymentToken: 't', total: 1 }],
    [
      'a duplicate product',
      {
        items: [
          { productId: 'a', quantity: 1 },
          { productId: 'a', quantity: 2 },
        ],
        paymentToken: 't',
      },
    ],
    ['no payment token', { items: [{ productId: 'a', quantity: 1 }] }],
  ])('rejects a request with %s', (_, body) => {
    expect(CreateOrderRequestSchema.safeParse(body).success).toBe(false);
  });
});
