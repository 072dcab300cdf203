/**
 * Demo partners of the local cloud (issue 5): the `partner-secrets` secret is seeded with the partner `acme` and a
 * fresh whsec_ secret, and GET /_local/partners lists the partner ids with their secrets so a demo or a test can
 * sign events for POST /webhooks/ingest/:partnerId. Only the local cloud serves this; AWS has no such route.
 */
import { generateWebhookSecret } from '../../core/webhooks/signing';
import type { EdgeResponse, ExtraRoute } from '@order-platform/local-cloud/edge';

export const DEMO_PARTNERS = ['acme'] as const;

/** The value the partner-secrets secret starts with locally: `{ "acme": "whsec_..." }`. */
export const demoPartnerSecretValue = (): string =>
  JSON.stringify(Object.fromEntries(DEMO_PARTNERS.map((id) => [id, generateWebhookSecret()])));

const json = (status: number, body: unknown, headers: Record<string, string> = {}): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** GET /_local/partners -> { partners: [{ partnerId, secret }] }, read from the secret at request time. */
export const partnersRoute =
  (readSecret: () => string | undefined): ExtraRoute =>
  async (request) => {
    if (request.path.replace(/\/+$/, '') !== '/_local/partners') return undefined;
    if (request.method !== 'GET')
      return json(405, { error: 'MethodNotAllowed', message: 'GET /_local/partners only' }, { allow: 'GET' });
    const value = readSecret();
    if (value === undefined)
      return json(503, { error: 'NotReady', message: 'The partner secrets are not created yet' });
    let map: unknown;
    try {
      map = JSON.parse(value);
    } catch {
      return json(500, { error: 'InvalidSecret', message: 'The partner-secrets secret is not JSON' });
    }
    const partners = Object.entries(typeof map === 'object' && map !== null ? (map as Record<string, unknown>) : {})
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([partnerId, secret]) => ({ partnerId, secret }));
    return json(200, { partners });
  };
