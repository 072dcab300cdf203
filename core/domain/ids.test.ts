import { CustomerIdSchema, OrderIdSchema } from './ids';

describe('the id rules', () => {
  it('takes a ULID as an order id', () => {
    expect(OrderIdSchema.safeParse('01JD8ZQ3K5V7T2X9W4R6M1N0PA').success).toBe(true);
  });

  it.each(['order-1', '01jd8zq3k5v7t2x9w4r6m1n0pa', '01JD8ZQ3K5V7T2X9W4R6M1N0P', 'ORDER#01JD8ZQ3K5V7T2X9W4R6M1N0'])(
    'refuses %j as an order id',
    (id) => {
      expect(OrderIdSchema.safeParse(id).success).toBe(false);
    },
  );

  it('takes a Cognito sub as a customer id', () => {
    expect(CustomerIdSchema.safeParse('3f1e2d4c-5b6a-4789-9abc-def012345678').success).toBe(true);
  });

  it.each(['', 'a#b', 'x'.repeat(65), 'has space'])('refuses %j as a customer id', (id) => {
    expect(CustomerIdSchema.safeParse(id).success).toBe(false);
  });
});
