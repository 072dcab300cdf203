/**
 * The id rules, written once: the API, the saga's step input, the event consumers and the stores all check the
 * same patterns. Ids never contain '#', so they are safe inside the table's keys (core/store/keys.ts).
 */
import { z } from 'zod';

/** A customer id is the Cognito `sub` (or a demo user's name): letters, digits, dash and underscore, 1 to 64. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Order ids are ULIDs (OrderService makes them with `ulid()`): 26 Crockford base32 characters, sortable by time. */
export const ORDER_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const CustomerIdSchema = z
  .string()
  .regex(CUSTOMER_ID_PATTERN, 'a customer id: letters, digits, dash and underscore, at most 64 characters');

export const OrderIdSchema = z.string().regex(ORDER_ID_PATTERN, 'an order id (a ULID)');
