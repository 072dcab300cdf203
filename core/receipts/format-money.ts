import type { Money } from '../domain/money';

/** `24.90 EUR`: minor units to the currency's own number of decimals (ISO 4217, through Intl), without floats. */
export const formatMoney = (value: Money): string => {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: value.currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  const text = String(value.amount).padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${major} ${value.currency}`;
};
