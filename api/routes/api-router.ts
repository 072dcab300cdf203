/**
 * Every route of the API. Handlers are thin: parse with the shared zod schemas, call the use case, present.
 */
import Router from '@koa/router';
import { OrderIdSchema } from '../../core/domain/ids';
import { money } from '../../core/domain/money';
import { CreateOrderRequestSchema, OrderStatusSchema, PageQuerySchema, ProductIdSchema, PutProductRequestSchema } from '../../core/domain/schemas';
import type { OrderService } from '../../core/orders/order-service';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { ApiError } from '../errors';
import { requireAdmin, requireCaller } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import type { AppState } from '../types';
import { buildOpenApiDocument } from './openapi';
import { presentOrder } from './presenters';
import { parseOr400 } from './validation';

export interface RouterDeps {
  readonly service: OrderService;
  readonly stores: Pick<DynamoStores, 'products' | 'orders' | 'events'>;
  readonly now: () => Date;
}

/** Printable ASCII, as the IETF Idempotency-Key draft expects of a key; at most 255 characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const OrdersQuerySchema = PageQuerySchema.extend({ status: OrderStatusSchema.optional() });

export const apiRouter = (deps: RouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  const openApi = buildOpenApiDocument();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });

  router.post('/api/orders', async (ctx) => {
    const caller = requireCaller(ctx);
    const key = ctx.get('idempotency-key');
    if (key === '') throw new ApiError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'send an Idempotency-Key header (e.g. a UUID) so a retry cannot create a second order');
    if (!IDEMPOTENCY_KEY.test(key)) throw new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'the Idempotency-Key must be 1-255 printable ASCII characters');
    const request = parseOr400(CreateOrderRequestSchema, await readJsonBody(ctx), 'order');
    const { order, replayed } = await deps.service.createOrder(caller.customerId, key, request);
    ctx.status = replayed ? 200 : 201;
    ctx.set('Location', `/api/orders/${order.orderId}`);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = presentOrder(order);
  });

  router.get('/api/orders', async (ctx) => {
    const caller = requireCaller(ctx);
    const query = parseOr400(OrdersQuerySchema, ctx.query, 'query');
    if (query.status !== undefined && !caller.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'only the admin lists orders by status');
    const page =
      query.status === undefined ? await deps.stores.orders.listCustomerOrders(caller.customerId, query) : await deps.stores.orders.listOrdersByStatus(query.status, query);
    ctx.body = { items: page.items.map(presentOrder), nextCursor: page.nextCursor ?? null };
  });

  router.get('/api/orders/:id', async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.stores.orders.getOrder(orderId.data) : undefined;
    if (order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin)) throw new ApiError(404, 'NOT_FOUND', 'no such order');
    ctx.body = presentOrder(order);
  });

  router.get('/api/products', async (ctx) => {
    const query = parseOr400(PageQuerySchema, ctx.query, 'query');
    const page = await deps.stores.products.listProducts(query);
    ctx.body = { items: page.items, nextCursor: page.nextCursor ?? null };
  });

  router.put('/api/products/:id', async (ctx) => {
    requireAdmin(ctx);
    const productId = parseOr400(ProductIdSchema, ctx.params.id, 'product id');
    const body = parseOr400(PutProductRequestSchema, await readJsonBody(ctx), 'product');
    const product = await deps.stores.products.putProduct({ productId, name: body.name, price: money(body.price, body.currency), stock: body.stock, updatedAt: deps.now().toISOString() });
    ctx.body = product;
  });

  router.get('/api/events', async (ctx) => {
    requireAdmin(ctx);
    const query = parseOr400(PageQuerySchema, ctx.query, 'query');
    const page = await deps.stores.events.listEvents(query);
    ctx.body = { items: page.items, nextCursor: page.nextCursor ?? null };
  });

  return router;
};
