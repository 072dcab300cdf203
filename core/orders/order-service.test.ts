import fc from 'fast-check';
import { requestHash } from './order-service';

const request = fc.record({
  items: fc.uniqueArray(
    fc.record({ productId: fc.stringMatching(/^[a-z]{1,6}$/), quantity: fc.integer({ min: 1, max: 100 }) }),
    { minLength: 1, maxLength: 5, selector: (item) => item.productId },
  ),
  paymentToken: fc.string({ minLength: 1, maxLength: 20 }),
});

describe('requestHash', () => {
  it('is the same for the same request whatever the key order of the body', () => {
    fc.assert(
      fc.property(request, (body) => {
        const reordered = JSON.parse(
          JSON.stringify({
            paymentToken: body.paymentToken,
            items: body.items.map((item) => ({ quantity: item.quantity, productId: item.productId })),
          }),
        ) as typeof body;
        expect(requestHash(reordered)).toBe(requestHash(body));
      }),
    );
  });

  it('differs whenever lines, quantities or the payment token differ', () => {
    fc.assert(
      fc.property(request, request, (left, right) => {
        fc.pre(JSON.stringify(left.items) !== JSON.stringify(right.items) || left.paymentToken !== right.paymentToken);
        expect(requestHash(left)).not.toBe(requestHash(right));
      }),
    );
  });
});
