/**
 * Serves the built dashboard (ui/dist) at / when DASHBOARD_DIR is set, as `npm start` does. In AWS the dashboard
 * lives in S3 behind CloudFront and the setting is absent, so this middleware is not installed.
 * A path without a file extension that matches no file answers index.html: the dashboard's router owns it.
 */
import { send } from '@koa/send';
import type { Middleware } from 'koa';

/**
 * The API's paths outside the dashboard: /api/*, partner ingestion under /webhooks/ingest/* and the public files.
 * Only /webhooks/ingest is the API's: /webhooks itself is a dashboard page and must answer index.html on a reload.
 */
const API_PATHS =
  /^\/api(\/|$)|^\/webhooks\/ingest(\/|$)|^\/(health|ready|openapi\.json|asyncapi\.json|config\.json)$/i;

export const serveDashboard = (root: string): Middleware => {
  const options = { root, index: 'index.html', immutable: false, maxage: 0 };
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || API_PATHS.test(ctx.path)) return next();
    try {
      await send(ctx, ctx.path, options);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status !== 404 && status !== 400) throw error;
      if (/\.[a-z0-9]+$/i.test(ctx.path)) return next();
      await send(ctx, '/index.html', options);
    }
    if (/^\/assets\//.test(ctx.path)) ctx.set('cache-control', 'public, max-age=31536000, immutable');
  };
};
