/**
 * /api/orders: place an order (idempotent per caller and Idempotency-Key), the caller's orders (the admin browses
 * every order: by status, customer, creation time, or searched by order or customer id), one order. Handlers are thin: parse with the shared zod schemas, call the use case, present.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { CustomerIdSchema, ORDER_ID_PATTERN, OrderIdSchema } from '../../core/domain/ids';
import {
  CreateOrderRequestSchema,
  OrderResponseSchema,
  OrderStatusSchema,
  PageQuerySchema,
} from '../../core/domain/schemas';
import type { OrderService } from '../../core/orders/order-service';
import type { OrderRepository } from '../../core/orders/ports';
import type { AdminOrderBrowser } from '../../core/store/admin-order-browser';
import { ApiError } from '../errors';
import { requireCaller } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import type { AppState } from '../types';
import { presentOrder } from './presenters';
import { errorAnswer, IdParams, on, pageOf } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface OrdersRouterDeps {
  readonly service: Pick<OrderService, 'createOrder'>;
  readonly store: Pick<OrderRepository, 'getOrder' | 'listCustomerOrders'>;
  /** The admin's view of every order (core/store/admin-order-browser.ts). */
  readonly browser: Pick<AdminOrderBrowser, 'listOrders'>;
}

/** Printable ASCII, as the IETF Idempotency-Key draft expects of a key; at most 255 characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

const OrdersQuerySchema = PageQuerySchema.extend({
  status: OrderStatusSchema.optional().describe('admin: only orders now in this status'),
  customerId: CustomerIdSchema.optional().describe("admin: only this customer's orders"),
  from: Instant.optional().describe('admin: created at or after (ISO 8601)'),
  to: Instant.optional().describe('admin: created at or before (ISO 8601)'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('admin: an order id (that order) or a customer id (their orders)'),
});

/** Query parameters only the admin may send: a customer always lists exactly their own orders. */
const ADMIN_FILTERS = ['status', 'customerId', 'from', 'to', 'q'] as const;

export const ORDERS_ROUTES = {
  create: {
    method: 'post',
    path: '/api/orders',
    summary: 'Place an order (idempotent per caller and Idempotency-Key)',
    headers: z.object({ 'Idempotency-Key': z.string().min(1).max(255) }),
    body: CreateOrderRequestSchema,
    responses: {
      201: { description: 'created', body: OrderResponseSchema },
      200: { description: 'a replay: the original order, nothing created', body: OrderResponseSchema },
      400: errorAnswer('invalid input, malformed JSON or a missing Idempotency-Key'),
      413: errorAnswer('body over 256 KB'),
      415: errorAnswer('not application/json'),
      422: errorAnswer('the Idempotency-Key was used with a different body'),
    },
  },
  list: {
    method: 'get',
    path: '/api/orders',
    summary: "The caller's orders, newest first; the admin's are every customer's, filtered and searched",
    query: OrdersQuerySchema,
    responses: {
      200: { description: 'a page', body: pageOf(OrderResponseSchema) },
      400: errorAnswer('invalid query'),
      403: errorAnswer('a filter or search by a customer'),
    },
  },
  get: {
    method: 'get',
    path: '/api/orders/:id',
    summary: 'One order of the caller',
    params: IdParams,
    responses: {
      200: { description: 'the order', body: OrderResponseSchema },
      404: errorAnswer('no such order for this caller'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const ordersRouter = (deps: OrdersRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();

  on(router, ORDERS_ROUTES.create, async (ctx) => {
    const caller = requireCaller(ctx);
    const key = ctx.get('idempotency-key');
    if (key === '')
      throw new ApiError(
        400,
        'IDEMPOTENCY_KEY_REQUIRED',
        'send an Idempotency-Key header (e.g. a UUID) so a retry cannot create a second order',
      );
    if (!IDEMPOTENCY_KEY.test(key))
      throw new ApiError(
        400,
        'INVALID_IDEMPOTENCY_KEY',
        'the Idempotency-Key must be 1-255 printable ASCII characters',
      );
    const request = parseOr400(CreateOrderRequestSchema, await readJsonBody(ctx), 'order');
    const { order, replayed } = await deps.service.createOrder(caller.customerId, key, request);
    ctx.status = replayed ? 200 : 201;
    ctx.set('Location', `/api/orders/${order.orderId}`);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = presentOrder(order);
  });

  on(router, ORDERS_ROUTES.list, async (ctx) => {
    const caller = requireCaller(ctx);
    const query = parseOr400(OrdersQuerySchema, ctx.query, 'query');
    const page = { limit: query.limit, cursor: query.cursor };
    if (!caller.isAdmin) {
      if (ADMIN_FILTERS.some((name) => query[name] !== undefined))
        throw new ApiError(403, 'FORBIDDEN', 'only the admin filters or searches orders');
      const own = await deps.store.listCustomerOrders(caller.customerId, page);
      ctx.body = { items: own.items.map(presentOrder), nextCursor: own.nextCursor ?? null };
      return;
    }
    if (query.from !== undefined && query.to !== undefined && query.from > query.to)
      throw new ApiError(400, 'INVALID_QUERY', '`from` is after `to`');
    // A search by order id answers that one order; anything else searched is taken as a customer id.
    if (query.q !== undefined && ORDER_ID_PATTERN.test(query.q) && query.cursor === undefined) {
      const found = await deps.store.getOrder(query.q);
      if (found !== undefined) {
        ctx.body = { items: [presentOrder(found)], nextCursor: null };
        return;
      }
    }
    const searchedCustomer = query.q === undefined ? undefined : CustomerIdSchema.safeParse(query.q);
    if (searchedCustomer !== undefined && !searchedCustomer.success) {
      ctx.body = { items: [], nextCursor: null };
      return;
    }
    const customerId = searchedCustomer?.data ?? query.customerId;
    const all = await deps.browser.listOrders(
      {
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(customerId === undefined ? {} : { customerId }),
        ...(query.from === undefined ? {} : { from: query.from }),
        ...(query.to === undefined ? {} : { to: query.to }),
      },
      page,
    );
    ctx.body = { items: all.items.map(presentOrder), nextCursor: all.nextCursor ?? null };
  });

  on(router, ORDERS_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.store.getOrder(orderId.data) : undefined;
    if (order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin))
      throw new ApiError(404, 'NOT_FOUND', 'no such order');
    ctx.body = presentOrder(order);
  });

  return router;
};
