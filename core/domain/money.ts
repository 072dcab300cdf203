/**
 * Money in integer minor units (cents for EUR/USD) with an ISO 4217 currency code.
 * Floating point never touches an amount: every operation checks that the result is a safe integer.
 */
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

export interface Money {
  /** Integer minor units, never negative. */
  readonly amount: number;
  /** ISO 4217 code, three upper-case letters. */
  readonly currency: string;
}

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** The base of the money area: arithmetic refused. No HTTP status: requests are validated before money is made. */
export abstract class MoneyError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

export class MoneyInvalidError extends MoneyError {
  constructor(message: string) {
    super(message, { code: 'MONEY_INVALID' });
    this.name = 'MoneyInvalidError';
  }
}

export class MoneyCurrencyMismatchError extends MoneyError {
  constructor(
    readonly left: string,
    readonly right: string,
  ) {
    super(`cannot combine ${left} with ${right}`, { code: 'MONEY_CURRENCY_MISMATCH' });
    this.name = 'MoneyCurrencyMismatchError';
  }
}

export class MoneyOverflowError extends MoneyError {
  constructor(message: string) {
    super(message, { code: 'MONEY_OVERFLOW' });
    this.name = 'MoneyOverflowError';
  }
}

const checkAmount = (amount: number): number => {
  if (!Number.isSafeInteger(amount))
    throw new MoneyOverflowError(`amount ${amount} is not a safe integer of minor units`);
  return amount;
};

/** A validated Money value; throws MoneyInvalidError for a fractional or negative amount or a malformed currency. */
export const money = (amount: number, currency: string): Money => {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new MoneyInvalidError(`amount must be a non-negative integer of minor units, got ${amount}`);
  if (!CURRENCY_PATTERN.test(currency))
    throw new MoneyInvalidError(`currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
  return Object.freeze({ amount, currency });
};

export const zero = (currency: string): Money => money(0, currency);

export const addMoney = (left: Money, right: Money): Money => {
  if (left.currency !== right.currency) throw new MoneyCurrencyMismatchError(left.currency, right.currency);
  return money(checkAmount(left.amount + right.amount), left.currency);
};

/** `unit * quantity`; the quantity must be a non-negative integer. */
export const multiplyMoney = (unit: Money, quantity: number): Money => {
  if (!Number.isSafeInteger(quantity) || quantity < 0)
    throw new MoneyInvalidError(`quantity must be a non-negative integer, got ${quantity}`);
  return money(checkAmount(unit.amount * quantity), unit.currency);
};

/** The sum of `items` in `currency`; every item must be in that currency. */
export const sumMoney = (items: readonly Money[], currency: string): Money => items.reduce(addMoney, zero(currency));

export const equalMoney = (left: Money, right: Money): boolean =>
  left.amount === right.amount && left.currency === right.currency;
