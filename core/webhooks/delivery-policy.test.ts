import fc from 'fast-check';
import { WEBHOOK_DELIVERIES_MAX_RECEIVES, WEBHOOK_DELIVERY_DEFAULTS } from '../platform/resources';
import {
  classifyAnswer,
  countsAgainstEndpoint,
  DeliveryPolicyInvalidError,
  deliveryPolicy,
  deliveryPolicyEnvironment,
  deliveryPolicyFromEnv,
  maxReceivesBound,
  nextRetryDelaySeconds,
  parseRetryAfter,
  pauseSeconds,
  queueSeconds,
  RETRY_AFTER_CAP_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
} from './delivery-policy';

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);
const standard = deliveryPolicy(WEBHOOK_DELIVERY_DEFAULTS);

describe('classifyAnswer: the Standard Webhooks status handling', () => {
  it('delivers on every 2xx, and only there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        expect(classifyAnswer(status, undefined, NOW).kind === 'delivered').toBe(status >= 200 && status <= 299);
      }),
    );
  });

  it('fails every 3xx: redirects are not followed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 399 }), (status) => {
        expect(classifyAnswer(status, undefined, NOW)).toEqual({ kind: 'failed', statusCode: status });
      }),
    );
  });

  it('disables on 410 Gone whatever else the answer says', () => {
    expect(classifyAnswer(410, '60', NOW)).toEqual({ kind: 'gone', statusCode: 410 });
  });

  it.each([429, 502, 503, 504])('throttles on %i and keeps its Retry-After', (status) => {
    expect(classifyAnswer(status, '120', NOW)).toEqual({
      kind: 'throttled',
      statusCode: status,
      retryAfterSeconds: 120,
    });
    expect(classifyAnswer(status, undefined, NOW)).toEqual({ kind: 'throttled', statusCode: status });
  });

  it('fails the rest (404, 500, no answer), each counting against the endpoint', () => {
    expect([404, 500, undefined].map((status) => classifyAnswer(status, undefined, NOW).kind)).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
    expect(countsAgainstEndpoint(classifyAnswer(500, undefined, NOW))).toBe(true);
    expect(countsAgainstEndpoint(classifyAnswer(429, undefined, NOW))).toBe(true);
    expect(countsAgainstEndpoint(classifyAnswer(410, undefined, NOW))).toBe(false);
    expect(countsAgainstEndpoint(classifyAnswer(204, undefined, NOW))).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, cut to the cap', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('999999999', NOW)).toBe(RETRY_AFTER_CAP_SECONDS);
  });

  it('ignores what is neither (a negative, a fraction, words)', () => {
    expect([parseRetryAfter('-5', NOW), parseRetryAfter('1.5', NOW), parseRetryAfter('soon', NOW)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('answers a whole number of seconds from 0 to the cap for any integer or date', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat().map(String),
          fc.integer({ min: -10 * 86_400, max: 10 * 86_400 }).map((s) => new Date(NOW + s * 1000).toUTCString()),
        ),
        (raw) => {
          const seconds = parseRetryAfter(raw, NOW);
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(0);
          expect(seconds).toBeLessThanOrEqual(RETRY_AFTER_CAP_SECONDS);
        },
      ),
    );
  });
});

describe('the retry schedule', () => {
  const failed = classifyAnswer(500, undefined, NOW);

  it('is the Standard Webhooks example: 10 attempts over 75 h 35 min 5 s', () => {
    const total = standard.retryScheduleSeconds.reduce((sum, wait) => sum + wait, 0);
    expect(standard.retryScheduleSeconds).toHaveLength(10);
    expect(total).toBe(75 * 3600 + 35 * 60 + 5);
  });

  it('waits each stage within ±20% and gives up after the last attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const wait = nextRetryDelaySeconds(standard, n, failed, () => r) ?? Number.NaN;
          const base = standard.retryScheduleSeconds[n];
          expect(wait).toBeGreaterThanOrEqual(base * 0.8);
          expect(wait).toBeLessThanOrEqual(base * 1.2);
        },
      ),
    );
    expect(nextRetryDelaySeconds(standard, 10, failed, () => 0.5)).toBeUndefined();
  });

  it('spreads retries of the same stage (jitter), so failures caused by load do not come back as one burst', () => {
    const waits = [0, 0.25, 0.5, 0.75, 0.99].map((r) => nextRetryDelaySeconds(standard, 3, failed, () => r));
    expect(new Set(waits).size).toBe(5);
  });

  it("never retries sooner than the receiver's Retry-After", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: RETRY_AFTER_CAP_SECONDS }), (n, after) => {
        const throttled = classifyAnswer(429, String(after), NOW);
        expect(nextRetryDelaySeconds(standard, n, throttled, Math.random)).toBeGreaterThanOrEqual(after);
      }),
    );
  });

  it('turns waits into SQS visibilities: whole seconds, at least 1, at most 12 h, scaled by the fast clock', () => {
    const fast = deliveryPolicy(WEBHOOK_DELIVERY_DEFAULTS, 0.001);
    expect([0, 0.2, 5, 300, 36_000, 86_400].map((s) => queueSeconds(standard, s))).toEqual([
      0,
      1,
      5,
      300,
      36_000,
      SQS_MAX_VISIBILITY_SECONDS,
    ]);
    expect([5, 300, 7200, 36_000].map((s) => queueSeconds(fast, s))).toEqual([1, 1, 8, 36]);
  });
});

describe('pauses and the receive bound', () => {
  it('pauses until the probe at least, longer the more often the message came back, never past the cap plus jitter', () => {
    fc.assert(
      fc.property(fc.nat({ max: 7200 }), fc.integer({ min: 1, max: 500 }), (until, receives) => {
        const pause = pauseSeconds(standard, until, receives, () => 0.5);
        expect(pause).toBeGreaterThanOrEqual(until);
        expect(pause).toBeLessThanOrEqual(Math.max(until, 3600) + 30);
        expect(pauseSeconds(standard, 0, receives + 1, () => 0)).toBeGreaterThanOrEqual(
          pauseSeconds(standard, 0, receives, () => 0),
        );
      }),
    );
  });

  it("keeps the defaults' receives below webhook-deliveries' maxReceiveCount", () => {
    expect(maxReceivesBound(standard)).toBe(116);
    expect(maxReceivesBound(standard)).toBeLessThan(WEBHOOK_DELIVERIES_MAX_RECEIVES);
  });
});

describe('deliveryPolicyFromEnv', () => {
  const env = deliveryPolicyEnvironment(WEBHOOK_DELIVERY_DEFAULTS);

  it('reads back what a stage writes', () => {
    expect(deliveryPolicyFromEnv(env)).toEqual(standard);
    expect(deliveryPolicyFromEnv({ ...env, WEBHOOK_TIME_SCALE: '0.001' }).timeScale).toBe(0.001);
  });

  it.each([
    ['a missing schedule', { WEBHOOK_RETRY_SCHEDULE: undefined }, 'WEBHOOK_RETRY_SCHEDULE'],
    ['a schedule not starting at once', { WEBHOOK_RETRY_SCHEDULE: '5s,1m' }, 'WEBHOOK_RETRY_SCHEDULE'],
    ['a bad duration', { WEBHOOK_RETRY_SCHEDULE: '0s,5 minutes' }, 'WEBHOOK_RETRY_SCHEDULE'],
    ['a threshold of 0', { WEBHOOK_BREAKER_THRESHOLD: '0' }, 'WEBHOOK_BREAKER_THRESHOLD'],
    ['a cool-down past 12 h', { WEBHOOK_BREAKER_COOLDOWN: '1m,13h' }, 'WEBHOOK_BREAKER_COOLDOWN'],
    ['an age shorter than the schedule', { WEBHOOK_MAX_DELIVERY_AGE: '1d' }, 'WEBHOOK_MAX_DELIVERY_AGE'],
    ['an age past the retention', { WEBHOOK_MAX_DELIVERY_AGE: '14d' }, 'WEBHOOK_MAX_DELIVERY_AGE'],
    ['a time scale above 1', { WEBHOOK_TIME_SCALE: '2' }, 'WEBHOOK_TIME_SCALE'],
  ])('refuses %s, naming the variable', (_name, change, key) => {
    expect.assertions(2);
    try {
      deliveryPolicyFromEnv({ ...env, ...change });
    } catch (error) {
      expect(error).toBeInstanceOf(DeliveryPolicyInvalidError);
      expect((error as Error).message).toContain(key);
    }
  });
});
