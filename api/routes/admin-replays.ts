/**
 * /api/admin/replays: replays of the bus's archive for the admin (issue 16). POST starts one for a time window, to
 * every rule or to one (core/adapters/eventbridge-replays.ts, whose rules keep it safe); GET lists them; GET :name
 * shows one with its progress. The dashboard's Operations page and `npm run replay` use the same adapter.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ReplayRequestSchema } from '../../core/adapters/eventbridge-replays';
import type { EventReplays } from '../../core/adapters/eventbridge-replays';
import { readJsonBody } from '../middleware/json-body';
import { requireAdmin } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface ReplaysRouterDeps {
  readonly replays: Pick<EventReplays, 'start' | 'describe' | 'list'>;
}

const ReplaySchema = z.object({
  name: z.string(),
  state: z.string().describe('STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED or FAILED'),
  stateReason: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  rule: z.string().optional().describe('the one rule replayed to; every rule when absent'),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  lastReplayed: z.string().optional(),
  percent: z.number().optional().describe('0-100 through the window'),
});

const ReplayNameParams = z.object({ name: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/) });

export const REPLAYS_ROUTES = {
  start: {
    method: 'post',
    path: '/api/admin/replays',
    summary: 'Replay the archived events of a time window to every rule or to one (admin)',
    admin: true,
    body: ReplayRequestSchema,
    responses: {
      202: { description: 'the replay started', body: ReplaySchema },
      400: errorAnswer('not a window: from/to not ISO 8601, from not before to, or an unknown rule'),
      403: errorAnswer('not the admin'),
      422: errorAnswer('REPLAY_REFUSED: to in the future, or a whole-bus replay older than 24 hours'),
      503: errorAnswer('EventBridge is unavailable'),
    },
  },
  list: {
    method: 'get',
    path: '/api/admin/replays',
    summary: 'Replays of the archive, newest first (admin)',
    admin: true,
    responses: {
      200: { description: 'replays', body: z.object({ items: z.array(ReplaySchema) }) },
      403: errorAnswer('not the admin'),
    },
  },
  get: {
    method: 'get',
    path: '/api/admin/replays/:name',
    summary: 'One replay with its progress (admin)',
    admin: true,
    params: ReplayNameParams,
    responses: {
      200: { description: 'the replay', body: ReplaySchema },
      400: errorAnswer('not a replay name'),
      403: errorAnswer('not the admin'),
      404: errorAnswer('no such replay'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const replaysRouter = (deps: ReplaysRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, REPLAYS_ROUTES.start, async (ctx) => {
    requireAdmin(ctx);
    const request = parseOr400(ReplayRequestSchema, await readJsonBody(ctx), 'replay window');
    ctx.status = 202;
    ctx.body = await deps.replays.start(request);
  });
  on(router, REPLAYS_ROUTES.list, async (ctx) => {
    requireAdmin(ctx);
    ctx.body = { items: await deps.replays.list() };
  });
  on(router, REPLAYS_ROUTES.get, async (ctx) => {
    requireAdmin(ctx);
    const { name } = parseOr400(ReplayNameParams, ctx.params, 'replay name');
    ctx.body = await deps.replays.describe(name);
  });
  return router;
};
