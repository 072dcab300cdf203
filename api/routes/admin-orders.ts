/**
 * The operator's action on a parked order (issue 15): POST /api/admin/orders/:id/retry resumes the saga of an order
 * in NEEDS_ATTENTION under a new execution name (`<orderId>-r<N>`, core/orders/reconciler.ts). The saga routes a
 * parked order to its compensations again (each idempotent), so it ends FAILED when they now hold, or is parked
 * again when they still fail. Admin only; the reconciler never touches parked orders, so this is their only way on.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { OrderRepository } from '../../core/orders/ports';
import { retryParkedOrder } from '../../core/orders/reconciler';
import type { SagaRunner } from '../../core/orders/reconciler';
import { ApiNotConfiguredError } from '../errors';
import { requireAdmin } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on, UlidSchema } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface AdminOrdersRouterDeps {
  readonly orders: Pick<OrderRepository, 'getOrder'>;
  /** Undefined when the API was started without STATE_MACHINE_ARN: the retry answers 503 NOT_CONFIGURED. */
  readonly runner: SagaRunner | undefined;
}

export const ADMIN_ORDERS_ROUTES = {
  retry: {
    method: 'post',
    path: '/api/admin/orders/:id/retry',
    summary: 'Resume the saga of a parked (NEEDS_ATTENTION) order (admin)',
    admin: true,
    params: z.object({ id: UlidSchema }),
    responses: {
      202: {
        description: 'the saga was resumed, or a resumed saga of the order is still running',
        body: z.object({ orderId: z.string(), executionName: z.string() }),
      },
      400: errorAnswer('the id is not an order id'),
      403: errorAnswer('not the admin'),
      404: errorAnswer('no such order'),
      409: errorAnswer('the order is not parked, or was retried too often'),
      503: errorAnswer('the API was started without STATE_MACHINE_ARN, or Step Functions is unavailable'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const adminOrdersRouter = (deps: AdminOrdersRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, ADMIN_ORDERS_ROUTES.retry, async (ctx) => {
    requireAdmin(ctx);
    const { id } = parseOr400(ADMIN_ORDERS_ROUTES.retry.params, ctx.params, 'order id');
    if (deps.runner === undefined) throw new ApiNotConfiguredError('STATE_MACHINE_ARN');
    const { executionName } = await retryParkedOrder({ orders: deps.orders, runner: deps.runner }, id);
    ctx.status = 202;
    ctx.body = { orderId: id, executionName };
  });
  return router;
};
