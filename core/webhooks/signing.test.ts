import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  deliveryId,
  generateWebhookSecret,
  signedHeaders,
  signPayload,
  verifySignedRequest,
  WebhookSecretInvalidError,
  WebhookSignatureInvalidError,
} from './signing';

// The test vector of the Standard Webhooks specification (its reference libraries' tests).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the specification test vector', () => {
    // prepare / act
    const signature = signPayload(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body);
    // assess
    expect(signature).toBe(VECTOR.signature);
  });

  it('signs what the standardwebhooks library verifies, for any body', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1, maxLength: 40 }).filter((id) => !/[\s.]/.test(id)),
        (body, id) => {
          // prepare
          const secret = generateWebhookSecret();
          const now = Math.floor(Date.now() / 1000);
          // act
          const headers = signedHeaders(secret, id, now, body);
          // assess
          expect(() => new Webhook(secret).verify(body, { ...headers }, { jsonParse: false })).not.toThrow();
        },
      ),
      { numRuns: 50 },
    );
  });

  it('verifies what the standardwebhooks library signs', () => {
    // prepare
    const secret = generateWebhookSecret();
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_1', now, '{"a":1}');
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    // act
    const verified = verifySignedRequest(secret, headers, '{"a":1}', {
      nowSeconds: Math.floor(now.getTime() / 1000),
      toleranceSeconds: 300,
    });
    // assess
    expect(verified.id).toBe('msg_1');
  });

  it('accepts one matching signature among several', () => {
    // prepare
    const headers = {
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': `v1,Zm9v ${VECTOR.signature}`,
    };
    // act / assess
    expect(
      verifySignedRequest(VECTOR.secret, headers, VECTOR.body, { nowSeconds: VECTOR.timestamp, toleranceSeconds: 300 })
        .timestamp,
    ).toBe(VECTOR.timestamp);
  });

  it.each([
    ['a changed body', { body: '{"test": 2432232315}' }, 'signature'],
    ['another secret', { secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }, 'signature'],
    ['a stale timestamp', { now: VECTOR.timestamp + 301 }, 'timestamp'],
    ['a timestamp from the future', { now: VECTOR.timestamp - 301 }, 'timestamp'],
    ['a missing signature', { signature: '' }, 'headers'],
    ['a v2 signature', { signature: VECTOR.signature.replace('v1,', 'v2,') }, 'signature'],
  ])('rejects %s', (_name, change: { body?: string; secret?: string; now?: number; signature?: string }, reason) => {
    expect.assertions(2);
    // prepare
    const headers = {
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': change.signature ?? VECTOR.signature,
    };
    // act
    try {
      verifySignedRequest(change.secret ?? VECTOR.secret, headers, change.body ?? VECTOR.body, {
        nowSeconds: change.now ?? VECTOR.timestamp,
        toleranceSeconds: 300,
      });
    } catch (error) {
      // assess
      expect(error).toBeInstanceOf(WebhookSignatureInvalidError);
      expect((error as WebhookSignatureInvalidError).reason).toBe(reason);
    }
  });

  it('refuses a secret without the whsec_ prefix', () => {
    expect(() => signPayload('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'id', 1, '{}')).toThrow(WebhookSecretInvalidError);
  });

  it('makes a fresh secret each time, with the whsec_ prefix', () => {
    // act
    const secrets = new Set(Array.from({ length: 20 }, generateWebhookSecret));
    // assess
    expect(secrets.size).toBe(20);
    for (const secret of secrets) expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it('derives a delivery id that is stable per (event, endpoint) and distinct otherwise', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.uuid(), (eventId, endpointA, endpointB) => {
        fc.pre(endpointA !== endpointB);
        expect(deliveryId(eventId, endpointA)).toBe(deliveryId(eventId, endpointA));
        expect(deliveryId(eventId, endpointA)).not.toBe(deliveryId(eventId, endpointB));
      }),
    );
  });
});
