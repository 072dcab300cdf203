/**
 * CORS for the control plane (/_local) on the edge: the dashboard, served by the API at http://127.0.0.1:<port>,
 * calls /_local/functions, /_local/faults and /_local/queues from the browser. Only pages on this machine
 * (http://127.0.0.1:* and http://localhost:*) may: the control plane resets tables and breaks functions, so a
 * page from anywhere else must not drive it through a visitor's browser. The origin is echoed (never `*`).
 */
import type { EdgeRequest, EdgeResponse } from './types';

const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost']);

const CORS_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  // The dashboard's API client sends its identity headers on every call, /_local included; the control plane ignores them.
  'access-control-allow-headers': 'content-type, accept, authorization, x-customer-id',
  'access-control-max-age': '600',
};

/** Whether `origin` is exactly `http://127.0.0.1[:port]` or `http://localhost[:port]`. */
export const isLocalOrigin = (origin: string | undefined): origin is string => {
  if (origin === undefined || origin === '') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    ALLOWED_HOSTS.has(url.hostname) &&
    url.origin === origin &&
    url.username === '' &&
    url.password === ''
  );
};

const isControlPlanePath = (path: string): boolean => path === '/_local' || path.startsWith('/_local/');

const originOf = (request: EdgeRequest): string | undefined => {
  const origin = request.headers.origin;
  return typeof origin === 'string' ? origin : undefined;
};

/**
 * The answer to a browser's preflight (OPTIONS with Access-Control-Request-Method) to a /_local path: 204 with the
 * CORS headers for a local origin, 403 without them for any other. Undefined for every other request.
 */
export const localCorsPreflight = (request: EdgeRequest): EdgeResponse | undefined => {
  if (
    request.method !== 'OPTIONS' ||
    !isControlPlanePath(request.path) ||
    request.headers['access-control-request-method'] === undefined
  )
    return undefined;
  const origin = originOf(request);
  if (!isLocalOrigin(origin)) {
    return {
      status: 403,
      headers: { 'content-type': 'application/json', vary: 'origin' },
      body: JSON.stringify({
        error: 'OriginNotAllowed',
        message: 'the control plane answers pages on http://127.0.0.1:* and http://localhost:* only',
      }),
    };
  }
  return { status: 204, headers: { ...CORS_PREFLIGHT_HEADERS, 'access-control-allow-origin': origin, vary: 'origin' } };
};

/** `answer` with Access-Control-Allow-Origin when it answers a /_local request from a local origin; unchanged otherwise. */
export const withLocalCors = (request: EdgeRequest, answer: EdgeResponse): EdgeResponse => {
  if (!isControlPlanePath(request.path)) return answer;
  const origin = originOf(request);
  if (!isLocalOrigin(origin)) return answer;
  return { ...answer, headers: { ...answer.headers, 'access-control-allow-origin': origin, vary: 'origin' } };
};
