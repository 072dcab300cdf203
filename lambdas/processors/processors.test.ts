import { EventEnvelopeInvalidError } from '../../core/events/order-events';
import { ConfigValueInvalidError, urlPolicyFromEnv } from './deliver-webhook';
import { webhookPayload } from './fan-out-webhooks';
import { parseOrderEvent } from './order-event-processor';

const detail = {
  eventId: '01JD8ZQ3K5V7T2X9W4R6M1N0PB',
  orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA',
  customerId: 'c-1',
  status: 'CONFIRMED',
  total: { amount: 6230, currency: 'EUR' },
  lines: [{ productId: 'mug', quantity: 1 }],
  occurredAt: '2026-11-21T10:00:00.000Z',
};
const envelope = {
  version: '0',
  id: 'eb-1',
  'detail-type': 'order.confirmed',
  source: 'orders.platform',
  account: '000000000000',
  time: '2026-11-21T10:00:01Z',
  region: 'us-east-1',
  resources: [],
  detail,
};

describe('parseOrderEvent', () => {
  it('reads the EventBridge envelope in the SQS body and dedupes on detail.eventId', () => {
    // act
    const event = parseOrderEvent(JSON.stringify(envelope));
    // assess
    expect(event.type).toBe('order.confirmed');
    expect(event.detail.orderId).toBe(detail.orderId);
    expect(event.eventId).toBe(detail.eventId);
  });

  it.each([
    ['the order itself instead of the envelope', JSON.stringify(detail)],
    ['a body that is not JSON', 'order.confirmed'],
    ['an envelope of another event type', JSON.stringify({ ...envelope, 'detail-type': 'shipment.dispatched' })],
    [
      'an envelope with a detail missing the customer',
      JSON.stringify({ ...envelope, detail: { ...detail, customerId: undefined } }),
    ],
    ['a customer id with the key separator', JSON.stringify({ ...envelope, detail: { ...detail, customerId: 'a#b' } })],
  ])('refuses %s', (_name, body) => {
    expect(() => parseOrderEvent(body)).toThrow(EventEnvelopeInvalidError);
  });
});

describe('urlPolicyFromEnv', () => {
  it('allows loopback only for WEBHOOK_ALLOW_LOOPBACK=true', () => {
    expect(urlPolicyFromEnv({})).toEqual({ allowLoopback: false });
    expect(urlPolicyFromEnv({ WEBHOOK_ALLOW_LOOPBACK: 'false' })).toEqual({ allowLoopback: false });
    expect(urlPolicyFromEnv({ WEBHOOK_ALLOW_LOOPBACK: 'true' })).toEqual({ allowLoopback: true });
  });

  it('refuses any other value', () => {
    expect(() => urlPolicyFromEnv({ WEBHOOK_ALLOW_LOOPBACK: 'yes' })).toThrow(ConfigValueInvalidError);
  });
});

describe('webhookPayload', () => {
  it('is the Standard Webhooks shape {type, timestamp, data}, the same bytes for every endpoint', () => {
    // prepare
    const event = parseOrderEvent(JSON.stringify(envelope));
    // act
    const payload = JSON.parse(webhookPayload(event));
    // assess
    expect(payload).toEqual({ type: 'order.confirmed', timestamp: envelope.time, data: detail });
    expect(webhookPayload(event)).toBe(webhookPayload(parseOrderEvent(JSON.stringify(envelope))));
  });
});
