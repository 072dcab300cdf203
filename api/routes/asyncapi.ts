/**
 * GET /asyncapi.json: the AsyncAPI 3.0 document of the platform's events, beside /openapi.json. Generated from the
 * resource description and the event contracts (core/events/asyncapi.ts); public like the OpenAPI document, since
 * it describes contracts, not data.
 */
import Router from '@koa/router';
import { asyncApiDocument, ASYNCAPI_INFO } from '../../core/events/asyncapi';
import type { AppState } from '../types';
import { on } from './route-doc';
import type { RouteDoc } from './route-doc';

export const ASYNCAPI_ROUTE: RouteDoc = {
  method: 'get',
  path: '/asyncapi.json',
  summary: 'The AsyncAPI 3.0 document of the events on the bus: types, versions, schemas, examples and consumers',
  public: true,
  responses: { 200: { description: 'AsyncAPI 3.0' } },
};

export const asyncApiRouter = (): Router<AppState> => {
  const router = new Router<AppState>();
  let document: Record<string, unknown> | undefined;
  on(router, ASYNCAPI_ROUTE, (ctx) => {
    document ??= asyncApiDocument(ASYNCAPI_INFO);
    ctx.body = document;
  });
  return router;
};
