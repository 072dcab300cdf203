/** /api/products: the catalog (any signed-in caller) and create-or-replace of a product (admin). */
import Router from '@koa/router';
import { z } from 'zod';
import { money } from '../../core/domain/money';
import {
  PageQuerySchema,
  ProductIdSchema,
  ProductResponseSchema,
  PutProductRequestSchema,
} from '../../core/domain/schemas';
import type { ProductCatalog } from '../../core/products/ports';
import { requireAdmin } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import type { AppState } from '../types';
import { errorAnswer, on, pageOf } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface ProductsRouterDeps {
  readonly store: Pick<ProductCatalog, 'listProducts' | 'putProduct'>;
  readonly now: () => Date;
}

export const PRODUCTS_ROUTES = {
  list: {
    method: 'get',
    path: '/api/products',
    summary: 'The catalog',
    query: PageQuerySchema,
    responses: {
      200: { description: 'a page', body: pageOf(ProductResponseSchema) },
      400: errorAnswer('invalid query'),
    },
  },
  put: {
    method: 'put',
    path: '/api/products/:id',
    summary: 'Create or replace a product (admin)',
    admin: true,
    params: z.object({ id: ProductIdSchema }),
    body: PutProductRequestSchema,
    responses: {
      200: { description: 'the product', body: ProductResponseSchema },
      400: errorAnswer('invalid input'),
      403: errorAnswer('not the admin'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const productsRouter = (deps: ProductsRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();

  on(router, PRODUCTS_ROUTES.list, async (ctx) => {
    const query = parseOr400(PageQuerySchema, ctx.query, 'query');
    const page = await deps.store.listProducts(query);
    ctx.body = { items: page.items, nextCursor: page.nextCursor ?? null };
  });

  on(router, PRODUCTS_ROUTES.put, async (ctx) => {
    requireAdmin(ctx);
    const productId = parseOr400(ProductIdSchema, ctx.params.id, 'product id');
    const body = parseOr400(PutProductRequestSchema, await readJsonBody(ctx), 'product');
    ctx.body = await deps.store.putProduct({
      productId,
      name: body.name,
      price: money(body.price, body.currency),
      stock: body.stock,
      updatedAt: deps.now().toISOString(),
    });
  });

  return router;
};
