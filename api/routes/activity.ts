/**
 * GET /api/orders/:id/activity (owner or admin, else 404): the emails and webhook delivery attempts the order
 * caused, as the processors recorded them (core/store/order-activity-store.ts), oldest first.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { OrderIdSchema } from '../../core/domain/ids';
import type { OrderRepository } from '../../core/orders/ports';
import type { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import { ApiError } from '../errors';
import { requireCaller } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, IdParams, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export const OrderActivityResponseSchema = z.object({
  emails: z.array(
    z.object({ to: z.string(), subject: z.string(), kind: z.string(), sentAt: z.string(), messageId: z.string() }),
  ),
  deliveries: z.array(
    z.object({
      webhookId: z.string(),
      url: z.string(),
      eventType: z.string(),
      attempt: z.number().int(),
      statusCode: z.number().int().nullable(),
      at: z.string(),
      outcome: z.enum(['DELIVERED', 'FAILED']),
    }),
  ),
});
export type OrderActivityResponse = z.infer<typeof OrderActivityResponseSchema>;

export const ACTIVITY_ROUTES = {
  get: {
    method: 'get',
    path: '/api/orders/:id/activity',
    summary: 'The emails and webhook delivery attempts the order caused, oldest first (owner or admin)',
    params: IdParams,
    responses: {
      200: { description: 'the activity', body: OrderActivityResponseSchema },
      404: errorAnswer('no such order for this caller'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export interface ActivityRouterDeps {
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly activity: Pick<DynamoOrderActivityStore, 'getActivity'>;
}

export const activityRouter = (deps: ActivityRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, ACTIVITY_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.store.getOrder(orderId.data) : undefined;
    if (order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin))
      throw new ApiError(404, 'NOT_FOUND', 'no such order');
    const activity = await deps.activity.getActivity(order.orderId);
    const body: OrderActivityResponse = {
      emails: activity.emails.map(({ to, subject, kind, sentAt, messageId }) => ({
        to,
        subject,
        kind,
        sentAt,
        messageId,
      })),
      deliveries: activity.deliveries.map((attempt) => ({
        webhookId: attempt.webhookId,
        url: attempt.url,
        eventType: attempt.eventType,
        attempt: attempt.attempt,
        statusCode: attempt.statusCode ?? null,
        at: attempt.at,
        outcome: attempt.outcome,
      })),
    };
    ctx.body = body;
  });
  return router;
};
