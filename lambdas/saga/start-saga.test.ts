import { EventEnvelopeInvalidError } from '../../core/events/order-events';
import { orderIdOf, SagaStartMessageInvalidError } from './start-saga';

const envelope = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    version: '0',
    id: 'e-1',
    'detail-type': 'order.created',
    source: 'orders.platform',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA', status: 'PENDING' },
    ...overrides,
  });

describe('orderIdOf', () => {
  it('reads the order id from the EventBridge envelope in the SQS body', () => {
    expect(orderIdOf(envelope())).toBe('01JD8ZQ3K5V7T2X9W4R6M1N0PA');
  });

  it('refuses a body that is the order itself rather than the envelope', () => {
    expect(() => orderIdOf(JSON.stringify({ orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA' }))).toThrow(
      EventEnvelopeInvalidError,
    );
  });

  it.each([
    [{ 'detail-type': 'order.confirmed' }],
    [{ source: 'partner.acme' }],
    [{ detail: { orderId: 'has spaces' } }],
    [{ detail: {} }],
  ])('refuses %j', (overrides) => {
    expect(() => orderIdOf(envelope(overrides))).toThrow(SagaStartMessageInvalidError);
  });
});
