/**
 * GET /health: liveness for `npm start` and the container; public, touches no dependency, so an outage never gets a
 * healthy task killed. GET /ready: readiness — DynamoDB and EventBridge answer (api/readiness.ts); 503 with
 * Retry-After and the failing checks when one does not, so a load balancer stops sending orders that would fail.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { DEPENDENCY_RETRY_AFTER_SECONDS } from '../middleware/dependency-errors';
import { checkReadiness } from '../readiness';
import type { ReadinessProbe } from '../readiness';
import type { AppState } from '../types';
import { on } from './route-doc';
import type { RouteDoc } from './route-doc';

const ReadinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
});

export const HEALTH_ROUTES = {
  get: {
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    public: true,
    responses: { 200: { description: 'ok', body: z.object({ status: z.literal('ok') }) } },
  },
  ready: {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: DynamoDB and EventBridge reachable',
    public: true,
    responses: {
      200: { description: 'every dependency answers', body: ReadinessSchema },
      503: { description: 'a dependency does not answer', body: ReadinessSchema },
    },
  },
} as const satisfies Record<string, RouteDoc>;

export interface HealthRouterDeps {
  readonly probes: readonly ReadinessProbe[];
  /** How long each probe may take before it counts as unavailable. */
  readonly timeoutMs?: number;
}

export const healthRouter = (deps: HealthRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, HEALTH_ROUTES.get, (ctx) => {
    ctx.body = { status: 'ok' };
  });
  on(router, HEALTH_ROUTES.ready, async (ctx) => {
    const report = await checkReadiness(deps.probes, deps.timeoutMs ?? 2000);
    ctx.status = report.ready ? 200 : 503;
    if (!report.ready) ctx.set('Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS));
    ctx.body = { status: report.ready ? 'ready' : 'unavailable', checks: report.checks };
  });
  return router;
};
