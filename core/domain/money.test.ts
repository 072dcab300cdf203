import fc from 'fast-check';
import {
  addMoney,
  money,
  MoneyCurrencyMismatchError,
  MoneyInvalidError,
  MoneyOverflowError,
  multiplyMoney,
  sumMoney,
} from './money';

const currency = fc.constantFrom('EUR', 'USD', 'GBP');
const amount = fc.integer({ min: 0, max: 1_000_000_000 });

describe('money', () => {
  it('adds commutatively and associatively within one currency', () => {
    fc.assert(
      fc.property(currency, amount, amount, amount, (code, a, b, c) => {
        const [x, y, z] = [money(a, code), money(b, code), money(c, code)];
        expect(addMoney(x, y)).toEqual(addMoney(y, x));
        expect(addMoney(addMoney(x, y), z)).toEqual(addMoney(x, addMoney(y, z)));
      }),
    );
  });

  it('sums to the same amount as repeated multiplication', () => {
    fc.assert(
      fc.property(currency, amount, fc.integer({ min: 0, max: 100 }), (code, unit, quantity) => {
        const price = money(unit, code);
        expect(
          sumMoney(
            Array.from({ length: quantity }, () => price),
            code,
          ),
        ).toEqual(multiplyMoney(price, quantity));
      }),
    );
  });

  it('keeps every result an integer of minor units', () => {
    fc.assert(
      fc.property(
        currency,
        fc.array(fc.tuple(amount, fc.integer({ min: 1, max: 100 })), { maxLength: 50 }),
        (code, lines) => {
          const total = sumMoney(
            lines.map(([unit, quantity]) => multiplyMoney(money(unit, code), quantity)),
            code,
          );
          expect(Number.isSafeInteger(total.amount)).toBe(true);
          expect(total.amount).toBe(lines.reduce((sum, [unit, quantity]) => sum + unit * quantity, 0));
        },
      ),
    );
  });

  it('rejects fractional, negative and non-finite amounts', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.constantFrom(Infinity, NaN)),
        (bad) => {
          expect(() => money(bad, 'EUR')).toThrow(MoneyInvalidError);
        },
      ),
    );
  });

  it('rejects a malformed currency', () => {
    expect.assertions(2);
    expect(() => money(1, 'eur')).toThrow(MoneyInvalidError);
    expect(() => money(1, 'EURO')).toThrow(MoneyInvalidError);
  });

  it('refuses to add different currencies', () => {
    expect(() => addMoney(money(1, 'EUR'), money(1, 'USD'))).toThrow(MoneyCurrencyMismatchError);
  });

  it('refuses a result beyond the safe integer range', () => {
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'EUR'), money(1, 'EUR'))).toThrow(MoneyOverflowError);
  });
});
