import fc from 'fast-check';
import type { PlatformEvent } from '../events/order-events';
import type { EventPublisher } from '../orders/ports';
import { generateWebhookSecret, signedHeaders } from '../webhooks/signing';
import { ingestPartnerEvent, MAX_PAYLOAD_DEPTH, MESSAGE_LEASE_SECONDS } from './ingest';
import type { MessageClaim, PartnerMessageLedger } from './ingest';

const NOW = 1_790_000_000;
const secret = generateWebhookSecret();

/** The ledger's contract in memory (core/store/dynamo-partner-messages.int.test.ts checks the DynamoDB adapter against the same). */
class InMemoryPartnerMessages implements PartnerMessageLedger {
  readonly records = new Map<string, { state: 'CLAIMED' | 'PUBLISHED'; leaseUntil: number; expiresAt: number }>();

  async claim(
    partnerId: string,
    webhookId: string,
    times: { now: number; leaseUntil: number; expiresAt: number },
  ): Promise<MessageClaim> {
    const key = `${partnerId}#${webhookId}`;
    const existing = this.records.get(key);
    if (existing?.state === 'PUBLISHED') return 'published';
    if (existing !== undefined && existing.leaseUntil >= times.now) return 'in-progress';
    this.records.set(key, { state: 'CLAIMED', leaseUntil: times.leaseUntil, expiresAt: times.expiresAt });
    return 'claimed';
  }

  async markPublished(partnerId: string, webhookId: string): Promise<void> {
    const record = this.records.get(`${partnerId}#${webhookId}`);
    if (record) record.state = 'PUBLISHED';
  }

  async release(partnerId: string, webhookId: string): Promise<void> {
    this.records.delete(`${partnerId}#${webhookId}`);
  }
}

const setup = () => {
  const published: PlatformEvent<object>[] = [];
  let clock = NOW;
  let failNextPublish = false;
  const publisher: EventPublisher = {
    publish: async (events) => {
      if (failNextPublish) {
        failNextPublish = false;
        throw new Error('EventBridge is unreachable');
      }
      published.push(...events);
    },
  };
  const messages = new InMemoryPartnerMessages();
  const deps = {
    secrets: { secretOf: async (id: string) => (id === 'acme' ? secret : undefined) },
    publisher,
    messages,
    nowSeconds: () => clock,
  };
  return {
    published,
    deps,
    messages,
    advance: (seconds: number) => {
      clock += seconds;
    },
    failNextPublish: () => {
      failNextPublish = true;
    },
  };
};

const signed = (body: string, timestamp = NOW, key = secret) => ({
  partnerId: 'acme',
  headers: { ...signedHeaders(key, 'msg_1', timestamp, body) },
  body,
});

/** `{"type":"deep","data":{"n":[[...]]}}` with the body `depth` levels deep in all (arrays: 50 000 levels stay under 256 KB). */
const nested = (depth: number): string =>
  `{"type":"deep","data":{"n":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}}}`;

describe('partner ingestion', () => {
  it.each([
    ['50 000 levels deep', 50_000],
    ['one level deeper than the limit (DynamoDB allows 32 with the envelope)', MAX_PAYLOAD_DEPTH + 1],
  ])('refuses a signed body nested %s with 400 NESTED_TOO_DEEP and publishes nothing', async (_what, depth) => {
    // prepare
    const { published, deps } = setup();
    // act
    const outcome = await ingestPartnerEvent(signed(nested(depth)), deps);
    // assess
    expect([outcome.accepted ? undefined : [outcome.refusal.code, outcome.refusal.httpStatus], published]).toEqual([
      ['NESTED_TOO_DEEP', 400],
      [],
    ]);
  });

  it('accepts a signed body nested exactly to the limit', async () => {
    // prepare
    const { published, deps } = setup();
    // act
    const outcome = await ingestPartnerEvent(signed(nested(MAX_PAYLOAD_DEPTH)), deps);
    // assess
    expect([outcome.accepted, published.length]).toEqual([true, 1]);
  });

  it('does not count brackets inside strings as nesting', async () => {
    // prepare
    const { deps } = setup();
    const body = JSON.stringify({ type: 'note', data: { text: '['.repeat(100) + '"{'.repeat(50) } });
    // act
    const outcome = await ingestPartnerEvent(signed(body), deps);
    // assess
    expect(outcome.accepted).toBe(true);
  });

  it('publishes a signed event under partner.<id> and accepts it', async () => {
    // prepare
    const { published, deps } = setup();
    const body = JSON.stringify({ type: 'shipment.dispatched', data: { orderId: 'o1' } });
    // act
    const response = await ingestPartnerEvent(signed(body), deps);
    // assess
    expect(response).toEqual({
      accepted: true,
      source: 'partner.acme',
      type: 'shipment.dispatched',
      webhookId: 'msg_1',
      duplicate: false,
    });
    expect(published).toEqual([
      {
        source: 'partner.acme',
        detailType: 'shipment.dispatched',
        detail: { partnerId: 'acme', webhookId: 'msg_1', data: { orderId: 'o1' } },
      },
    ]);
  });

  it('answers a replay of a published message within the window as a duplicate and does not publish it again', async () => {
    // prepare
    const { published, deps, advance } = setup();
    const body = JSON.stringify({ type: 'shipment.dispatched', data: { orderId: 'o1' } });
    const request = signed(body);
    await ingestPartnerEvent(request, deps);
    advance(120);
    // act
    const replay = await ingestPartnerEvent(request, deps);
    // assess
    expect(replay).toMatchObject({ accepted: true, duplicate: true, webhookId: 'msg_1' });
    expect(published).toHaveLength(1);
  });

  it("answers a sender's retry of a published message (same webhook-id, new timestamp) as a duplicate", async () => {
    // prepare
    const { published, deps, advance } = setup();
    const body = JSON.stringify({ type: 'shipment.dispatched', data: { orderId: 'o1' } });
    await ingestPartnerEvent(signed(body), deps);
    advance(60);
    // act
    const retry = await ingestPartnerEvent(signed(body, NOW + 60), deps);
    // assess
    expect(retry).toMatchObject({ accepted: true, duplicate: true });
    expect(published).toHaveLength(1);
  });

  it('keeps messages of other partners and other webhook-ids apart', async () => {
    // prepare
    const { published, deps, messages } = setup();
    const body = JSON.stringify({ type: 'a', data: {} });
    await ingestPartnerEvent(signed(body), deps);
    await messages.markPublished('other', 'msg_2');
    // act
    const other = await ingestPartnerEvent(
      { partnerId: 'acme', headers: { ...signedHeaders(secret, 'msg_2', NOW, body) }, body },
      deps,
    );
    // assess
    expect(other).toMatchObject({ accepted: true, duplicate: false });
    expect(published).toHaveLength(2);
  });

  it('keeps the record past the tolerance window, where a replay is refused by its timestamp anyway', async () => {
    // prepare
    const { deps, messages } = setup();
    // act
    await ingestPartnerEvent(signed(JSON.stringify({ type: 'a', data: {} })), deps);
    // assess
    expect(messages.records.get('acme#msg_1')?.expiresAt).toBeGreaterThan(NOW + 2 * 300);
  });

  it('publishes on the retry after a failed publish (the claim is given back), and answers the failure by throwing', async () => {
    // prepare
    const { published, deps, failNextPublish } = setup();
    const request = signed(JSON.stringify({ type: 'a', data: {} }));
    failNextPublish();
    // act
    const first = ingestPartnerEvent(request, deps);
    await expect(first).rejects.toThrow('EventBridge is unreachable');
    const retry = await ingestPartnerEvent(request, deps);
    // assess
    expect(retry).toMatchObject({ accepted: true, duplicate: false });
    expect(published).toHaveLength(1);
  });

  it('refuses a delivery while another holds a live claim with 409 MESSAGE_IN_PROGRESS, and takes the claim over once its lease ran out', async () => {
    // prepare
    const { published, deps, messages, advance } = setup();
    const request = signed(JSON.stringify({ type: 'a', data: {} }));
    await messages.claim('acme', 'msg_1', { now: NOW, leaseUntil: NOW + MESSAGE_LEASE_SECONDS, expiresAt: NOW + 900 });
    // act
    const during = await ingestPartnerEvent(request, deps);
    advance(MESSAGE_LEASE_SECONDS + 1);
    const after = await ingestPartnerEvent(request, deps);
    // assess
    expect(during.accepted ? undefined : [during.refusal.code, during.refusal.httpStatus]).toEqual([
      'MESSAGE_IN_PROGRESS',
      409,
    ]);
    expect(after).toMatchObject({ accepted: true, duplicate: false });
    expect(published).toHaveLength(1);
  });

  it('refuses a webhook-id over 256 characters with 400 and publishes nothing', async () => {
    // prepare
    const { published, deps } = setup();
    const body = JSON.stringify({ type: 'a', data: {} });
    // act
    const outcome = await ingestPartnerEvent(
      { partnerId: 'acme', headers: { ...signedHeaders(secret, 'm'.repeat(257), NOW, body) }, body },
      deps,
    );
    // assess
    expect(outcome.accepted ? undefined : [outcome.refusal.code, outcome.refusal.httpStatus]).toEqual([
      'VALIDATION_FAILED',
      400,
    ]);
    expect(published).toHaveLength(0);
  });

  it('never lets a partner choose the source', async () => {
    // prepare
    const { published, deps } = setup();
    const body = JSON.stringify({ type: 'order.confirmed', data: { source: 'orders.platform' } });
    // act
    await ingestPartnerEvent(signed(body), deps);
    // assess
    expect(published[0].source).toBe('partner.acme');
  });

  it.each([
    [
      'a bad signature',
      () => ({ ...signed('{"type":"a","data":{}}'), body: '{"type":"b","data":{}}' }),
      'INVALID_SIGNATURE',
    ],
    ['another secret', () => signed('{"type":"a","data":{}}', NOW, generateWebhookSecret()), 'INVALID_SIGNATURE'],
    ['a stale timestamp', () => signed('{"type":"a","data":{}}', NOW - 301), 'STALE_TIMESTAMP'],
    [
      'no signature headers',
      () => ({ partnerId: 'acme', headers: {}, body: '{"type":"a","data":{}}' }),
      'INVALID_SIGNATURE',
    ],
    ['an unknown partner', () => ({ ...signed('{"type":"a","data":{}}'), partnerId: 'evil' }), 'INVALID_SIGNATURE'],
  ])('refuses %s as a 401 and publishes nothing', async (_name, request, code) => {
    // prepare
    const { published, deps } = setup();
    // act
    const response = await ingestPartnerEvent(request(), deps);
    // assess
    expect(
      response.accepted ? undefined : { code: response.refusal.code, httpStatus: response.refusal.httpStatus },
    ).toEqual({ code, httpStatus: 401 });
    expect(published).toHaveLength(0);
  });

  it('refuses any signed body that is not {type, data} as a 400 and publishes nothing; accepts it with one event otherwise', async () => {
    // The oracle, written apart from the schema: an object with exactly `type` (a letter, then letters, digits, _ . -,
    // at most 100) and `data` (an object, not an array or null).
    const isPartnerEvent = (body: string): boolean => {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return false;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const data = record.data;
      return (
        keys.length === 2 &&
        keys[0] === 'data' &&
        keys[1] === 'type' &&
        typeof record.type === 'string' &&
        /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/.test(record.type) &&
        typeof data === 'object' &&
        data !== null &&
        !Array.isArray(data)
      );
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.constant('{"type":"a"}'),
          fc.constant('{"type":"a b","data":{}}'),
          fc.constant('{"type":"a","data":{},"source":"x"}'),
          fc.constant('{"type":"a","data":[]}'),
          fc.constant('{"data":{"n":1},"type":"a.b"}'),
          fc
            .record({
              type: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/),
              data: fc.dictionary(fc.string(), fc.jsonValue()),
            })
            .map((event) => JSON.stringify(event)),
        ),
        async (body) => {
          // prepare
          const { published, deps } = setup();
          const valid = isPartnerEvent(body);
          // act
          const response = await ingestPartnerEvent(signed(body), deps);
          // assess
          expect(response.accepted ? 202 : response.refusal.httpStatus).toBe(valid ? 202 : 400);
          expect(published).toHaveLength(valid ? 1 : 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a signed payload without data as VALIDATION_FAILED with details', async () => {
    const { published, deps } = setup();
    const response = await ingestPartnerEvent(signed('{"type":"a"}'), deps);
    expect(
      response.accepted
        ? undefined
        : { code: response.refusal.code, httpStatus: response.refusal.httpStatus, details: response.refusal.details },
    ).toEqual({ code: 'VALIDATION_FAILED', httpStatus: 400, details: [expect.objectContaining({ path: 'data' })] });
    expect(published).toHaveLength(0);
  });
});
