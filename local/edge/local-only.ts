/**
 * The edge answers this machine only. It listens on 127.0.0.1, but a browser on this machine can still be made
 * to reach it: a page elsewhere can POST to http://127.0.0.1:4566/_local/reset (a "simple" request sends no
 * preflight, so CORS alone does not stop it), and a DNS-rebinding name (evil.example resolving to 127.0.0.1) makes
 * the edge same-origin to a hostile page, which could then read demo passwords, partner secrets and tables. So:
 *  - every request must name a local Host (127.0.0.1, localhost, [::1], `<bucket>.localhost` for S3's
 *    virtual-hosted style, or an AWS endpoint name that a client overriding DNS would send);
 *  - a control-plane request (/_local) must name 127.0.0.1, localhost or [::1] exactly, and a browser's Origin, if
 *    sent, must be a local page (local-cors.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLocalOrigin } from './local-cors';
import type { EdgeResponse } from './types';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The host name of a Host header without its port (`[::1]:4566` -> `[::1]`). */
const hostName = (host: string): string => {
  const bracketed = /^(\[[^\]]+\])(?::\d+)?$/.exec(host);
  if (bracketed) return (bracketed[1] ?? '').toLowerCase();
  return (host.split(':')[0] ?? '').toLowerCase();
};

const isAwsApiHost = (name: string): boolean =>
  LOOPBACK_NAMES.has(name) ||
  name.endsWith('.localhost') ||
  name === 'amazonaws.com' ||
  name.endsWith('.amazonaws.com');

const refuse = (code: string, message: string): EdgeResponse => ({
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: code, message }),
});

const single = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** A 403 for a request that does not come from this machine's own names and pages; undefined when it may pass. */
export const refuseNonLocal = (path: string, headers: IncomingHttpHeaders): EdgeResponse | undefined => {
  const host = single(headers, 'host');
  const name = host === undefined ? undefined : hostName(host);
  const controlPlane = path === '/_local' || path.startsWith('/_local/');
  if (controlPlane) {
    if (name === undefined || !LOOPBACK_NAMES.has(name))
      return refuse(
        'HostNotLocal',
        `the control plane answers requests to 127.0.0.1, localhost or [::1] only, not to ${host ?? 'a request without Host'}`,
      );
    const origin = single(headers, 'origin');
    if (origin !== undefined && !isLocalOrigin(origin))
      return refuse(
        'OriginNotAllowed',
        `the control plane answers pages on http://127.0.0.1:* and http://localhost:* only, not ${origin}`,
      );
    return undefined;
  }
  if (name !== undefined && !isAwsApiHost(name))
    return refuse(
      'HostNotLocal',
      `the local cloud answers requests to 127.0.0.1, localhost or an AWS endpoint name only, not to ${host ?? ''}`,
    );
  return undefined;
};
