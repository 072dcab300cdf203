import fc from 'fast-check';
import { compileFilterExpression, FilterExpressionInvalidError, type FilterSubject } from './filter-expression';

const subject = (overrides: Partial<FilterSubject> = {}): FilterSubject => ({
  annotations: new Map<string, (string | number | boolean)[]>([
    ['orderId', ['01J0000000000000000000000A']],
    ['step', ['ChargePayment', 'RefundPayment']],
    ['attempt', [2]],
  ]),
  ok: false,
  error: false,
  fault: true,
  throttle: false,
  responseTime: 0.8,
  duration: 2.5,
  services: new Set(['orders-api', 'local-charge-payment']),
  ...overrides,
});

describe('compileFilterExpression', () => {
  it.each([
    ['annotation.orderId = "01J0000000000000000000000A"', true],
    ['annotation.orderId = "other"', false],
    ['annotation[step] = "RefundPayment"', true],
    ['annotation.attempt >= 2 AND annotation.attempt < 3', true],
    ['fault', true],
    ['error', false],
    ['NOT ok', true],
    ['fault = false', false],
    ['service("local-charge-payment") and responsetime > 0.5', true],
    ['(annotation.step = "ConfirmOrder" OR annotation.step = "ChargePayment") AND duration <= 2.5', true],
    ['annotation.missing = "x" OR throttle', false],
    ['', true],
  ])('%s is %s for a faulted trace of one order', (expression, expected) => {
    expect(compileFilterExpression(expression)(subject())).toBe(expected);
  });

  it.each([
    'annotation.orderId',
    'annotation.orderId = ',
    'fault = "yes"',
    'responsetime > "slow"',
    'unknown = 1',
    '(fault',
    'fault fault',
    'annotation.x = "a" ; drop',
  ])('refuses %s with a clear error', (expression) => {
    expect(() => compileFilterExpression(expression)).toThrow(FilterExpressionInvalidError);
  });

  it('matches an annotation exactly when one of the trace values equals it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
        fc.string({ maxLength: 12 }),
        (values, wanted) => {
          const filter = compileFilterExpression(`annotation.orderId = ${JSON.stringify(wanted)}`);
          expect(filter(subject({ annotations: new Map([['orderId', values]]) }))).toBe(values.includes(wanted));
        },
      ),
    );
  });
});
