import type { Money } from './money';

export interface Product {
  readonly productId: string;
  readonly name: string;
  /** Unit price, integer minor units. */
  readonly price: Money;
  /** Units available; the saga reserves from it with a conditional decrement. */
  readonly stock: number;
  readonly updatedAt: string;
}

/** Product ids are URL- and key-safe: letters, digits, dash and underscore, never '#'. */
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
