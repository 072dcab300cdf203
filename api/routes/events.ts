/** GET /api/events (admin): the events that crossed the bus, newest first, as the events log recorded them. */
import Router from '@koa/router';
import { EventRecordSchema, PageQuerySchema } from '../../core/domain/schemas';
import type { EventLog } from '../../core/events/ports';
import { requireAdmin } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on, pageOf } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface EventsRouterDeps {
  readonly store: Pick<EventLog, 'listEvents'>;
}

export const EVENTS_ROUTES = {
  list: {
    method: 'get',
    path: '/api/events',
    summary: 'Events that crossed the bus, newest first (admin)',
    admin: true,
    query: PageQuerySchema,
    responses: {
      200: { description: 'a page', body: pageOf(EventRecordSchema) },
      400: errorAnswer('invalid query'),
      403: errorAnswer('not the admin'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const eventsRouter = (deps: EventsRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, EVENTS_ROUTES.list, async (ctx) => {
    requireAdmin(ctx);
    const query = parseOr400(PageQuerySchema, ctx.query, 'query');
    const page = await deps.store.listEvents(query);
    ctx.body = { items: page.items, nextCursor: page.nextCursor ?? null };
  });
  return router;
};
