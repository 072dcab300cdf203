import type { PlatformEvent } from '../../core/events/order-events';
import { generateWebhookSecret, signedHeaders } from '../../core/webhooks/signing';
import { createIngestHandler } from './ingest-partner-event';

describe('ingest-partner-event (API Gateway HTTP API payload 2.0)', () => {
  const secret = generateWebhookSecret();
  const now = 1_790_000_000;
  const setup = () => {
    const published: PlatformEvent<object>[] = [];
    const handler = createIngestHandler({
      secrets: { secretOf: async (id) => (id === 'acme' ? secret : undefined) },
      publisher: { publish: async (events) => void published.push(...events) },
      messages: {
        // Every message is new here: replays are core/partners/ingest.test.ts's.
        claim: async () => 'claimed' as const,
        markPublished: async () => undefined,
        release: async () => undefined,
      },
      nowSeconds: () => now,
    });
    return { published, handler };
  };

  it('verifies a base64-encoded body with mixed-case headers and answers 202', async () => {
    // prepare
    const { published, handler } = setup();
    const body = JSON.stringify({ type: 'stock.updated', data: { sku: 'mug' } });
    const headers = Object.fromEntries(
      Object.entries(signedHeaders(secret, 'msg_9', now, body)).map(([name, value]) => [name.toUpperCase(), value]),
    );
    // act
    const result = await handler({
      pathParameters: { partnerId: 'acme' },
      headers,
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });
    // assess
    expect(result.statusCode).toBe(202);
    expect(published[0].source).toBe('partner.acme');
  });

  it('answers 401 as JSON for an unsigned request and publishes nothing', async () => {
    const { published, handler } = setup();
    const result = await handler({
      pathParameters: { partnerId: 'acme' },
      headers: {},
      body: '{"type":"a","data":{}}',
    });
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error.code).toBe('INVALID_SIGNATURE');
    expect(published).toHaveLength(0);
  });
});
