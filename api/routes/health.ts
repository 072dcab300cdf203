/** GET /health: liveness for the ALB and `npm start`; public, touches no dependency. */
import Router from '@koa/router';
import { z } from 'zod';
import type { AppState } from '../types';
import { on } from './route-doc';
import type { RouteDoc } from './route-doc';

export const HEALTH_ROUTES = {
  get: { method: 'get', path: '/health', summary: 'Liveness', public: true, responses: { 200: { description: 'ok', body: z.object({ status: z.literal('ok') }) } } },
} as const satisfies Record<string, RouteDoc>;

export const healthRouter = (): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, HEALTH_ROUTES.get, (ctx) => {
    ctx.body = { status: 'ok' };
  });
  return router;
};
