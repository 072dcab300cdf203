import { EventEnvelopeInvalidError } from '../../core/events/order-events';
import { parseEventBridgeEnvelope } from './event-envelope';

const envelope = {
  version: '0',
  id: 'eb-1',
  'detail-type': 'order.created',
  source: 'orders.platform',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA' },
};

describe('parseEventBridgeEnvelope', () => {
  it('answers the envelope a rule delivers to SQS, detail included', () => {
    const parsed = parseEventBridgeEnvelope(JSON.stringify(envelope));

    expect(parsed).toEqual(envelope);
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['the order itself instead of the envelope', JSON.stringify(envelope.detail)],
    [
      'an envelope without the account and region AWS always sets',
      JSON.stringify({ ...envelope, account: undefined, region: undefined }),
    ],
    ['an envelope whose time is not an ISO date-time', JSON.stringify({ ...envelope, time: 'yesterday' })],
    ['an envelope whose detail is not an object', JSON.stringify({ ...envelope, detail: 'text' })],
  ])('refuses %s', (_, body) => {
    expect(() => parseEventBridgeEnvelope(body)).toThrow(EventEnvelopeInvalidError);
  });
});
