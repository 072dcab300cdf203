/**
 * GET /api/loyalty: the caller's own loyalty points (issue 16) — the balance and the most recent orders that earned or
 * lost points, as the loyalty-points consumer recorded them (core/store/dynamo-loyalty-ledger.ts). Always the caller's:
 * the customer is the token's `sub`, and no parameter names another one.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { MoneySchema } from '../../core/domain/schemas';
import type { LoyaltyAccounts } from '../../core/loyalty/points';
import { requireCaller } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export interface LoyaltyRouterDeps {
  readonly accounts: LoyaltyAccounts;
}

export const LoyaltyAccountSchema = z.object({
  points: z.number().int().describe('the balance: 1 point per whole currency unit of every confirmed order not failed'),
  entries: z
    .array(
      z.object({
        orderId: z.string(),
        points: z.number().int().describe('what the order counts now: 0 once taken back'),
        awardedPoints: z.number().int(),
        total: MoneySchema,
        state: z.enum(['AWARDED', 'REVOKED']),
        awardedAt: z.string(),
        revokedAt: z.string().optional(),
      }),
    )
    .describe('the most recent orders, newest first'),
});

export const LOYALTY_ROUTES = {
  get: {
    method: 'get',
    path: '/api/loyalty',
    summary: "The caller's loyalty points and the orders that earned them, newest first",
    responses: {
      200: { description: 'the account', body: LoyaltyAccountSchema },
      503: errorAnswer('the table is unavailable; retry after Retry-After'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const loyaltyRouter = (deps: LoyaltyRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, LOYALTY_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const account = await deps.accounts.account(caller.customerId);
    ctx.body = { points: account.points, entries: account.entries };
  });
  return router;
};
