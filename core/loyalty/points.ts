/**
 * Loyalty points, the bounded context the loyalty-points consumer (lambdas/consumers/loyalty-points.ts) owns: a
 * customer earns 1 point per whole currency unit of a confirmed order's total and loses them when the order fails after
 * its payment was refunded. Pure: the rule, the records and the ports; core/store/dynamo-loyalty-ledger.ts keeps them.
 *
 * One entry per (customer, order) holds what that order earned, so an order can earn once and be taken back once
 * whatever the order and number of its events, and a customer's balance is the sum of their entries.
 */
import type { Money } from '../domain/money';

/** Digits of a currency's minor unit (ISO 4217, through Intl): 2 for EUR, 0 for JPY, 3 for BHD. */
const minorUnitDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** 1 point per whole currency unit of `total`, rounded down: 24.90 EUR earns 24, 2490 JPY earns 2490. */
export const pointsForTotal = (total: Money): number =>
  Math.floor(total.amount / 10 ** minorUnitDigits(total.currency));

export type LoyaltyEntryState = 'AWARDED' | 'REVOKED';

/** What one order did to a customer's points. */
export interface LoyaltyEntry {
  readonly orderId: string;
  /** What counts towards the balance now: the points awarded, 0 once revoked. */
  readonly points: number;
  readonly awardedPoints: number;
  readonly total: Money;
  readonly state: LoyaltyEntryState;
  readonly awardedAt: string;
  readonly revokedAt?: string;
}

export interface LoyaltyAccount {
  readonly customerId: string;
  /** The sum of every entry's points. */
  readonly points: number;
  /** The most recent entries, newest order first. */
  readonly entries: readonly LoyaltyEntry[];
}

export interface Award {
  readonly customerId: string;
  readonly orderId: string;
  /** The event that confirmed the order; kept on the entry. */
  readonly eventId: string;
  readonly total: Money;
  readonly points: number;
  readonly at: string;
}

export interface Revocation {
  readonly customerId: string;
  readonly orderId: string;
  readonly eventId: string;
  readonly at: string;
}

/** `awarded`, or `already-awarded`: the order has its entry (this event or another about it came first). */
export type AwardOutcome = 'awarded' | 'already-awarded';
/** `revoked`, `already-revoked`, or `nothing-awarded`: the order earned nothing, so there is nothing to take back. */
export type RevokeOutcome = 'revoked' | 'already-revoked' | 'nothing-awarded';

/** The consumer's port: at most one conditional write per call, keyed by the order. */
export interface LoyaltyLedger {
  award(award: Award): Promise<AwardOutcome>;
  revoke(revocation: Revocation): Promise<RevokeOutcome>;
}

/** The API's port: a customer's own account. */
export interface LoyaltyAccounts {
  account(customerId: string, options?: { readonly recent?: number }): Promise<LoyaltyAccount>;
}
