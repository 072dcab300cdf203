/**
 * `localControlPlane` in GET /config.json: the local cloud's /_local base URL, so the dashboard can show its faults
 * panel. Only when the API's environment names it (LOCAL_CONTROL_PLANE_URL, set by scripts/start.ts); in AWS the
 * key is absent and the dashboard hides the panel.
 */
import type { Middleware } from 'koa';
import type { Env } from '../../core/config/env';
import type { AppState } from '../types';

export class LocalControlPlaneUrlInvalidError extends Error {
  constructor(value: string, options?: { cause?: unknown }) {
    super(`environment variable LOCAL_CONTROL_PLANE_URL: ${JSON.stringify(value)} is not an http(s) URL`, options);
    this.name = 'LocalControlPlaneUrlInvalidError';
  }
}

/** LOCAL_CONTROL_PLANE_URL without a trailing slash, or undefined when unset or empty; throws when it is not an http(s) URL. */
export const localControlPlaneFromEnv = (env: Env): string | undefined => {
  const raw = env.LOCAL_CONTROL_PLANE_URL?.trim();
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new LocalControlPlaneUrlInvalidError(raw, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LocalControlPlaneUrlInvalidError(raw);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
};

/** Adds `localControlPlane` to the /config.json answer of the middleware after it; passes everything else through. */
export const withLocalControlPlane =
  (localControlPlane: string): Middleware<AppState> =>
  async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' || ctx.path !== '/config.json' || ctx.status !== 200) return;
    const body: unknown = ctx.body;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) ctx.body = { ...body, localControlPlane };
  };
