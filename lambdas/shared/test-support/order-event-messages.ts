/**
 * Test-only: SQS messages as a rule delivers them to a consumer's queue — the EventBridge envelope around an order
 * event — built from the published contract's example (core/events/contracts.ts), so a consumer's tests read what the
 * producers publish, not a hand-made shape. Also the few Lambda context fields the handlers read.
 */
import { ulid } from 'ulid';
import { EVENT_CONTRACTS } from '../../../core/events/contracts';
import type { OrderEventDetail } from '../../../core/events/order-events';
import { ORDER_EVENT_SOURCE } from '../../../core/platform/resources';
import type { LambdaContext } from '../lambda-context';
import type { SqsEvent, SqsRecord } from '../sqs-batch';

/** The detail the producer of `type` publishes (the contract's example), with `overrides` and a fresh event id. */
export const orderEventDetail = (type: string, overrides: Partial<OrderEventDetail> = {}): OrderEventDetail => {
  const contract = EVENT_CONTRACTS.find(
    (candidate) => candidate.source === ORDER_EVENT_SOURCE && candidate.type === type,
  );
  if (contract === undefined) throw new Error(`no published contract for ${type}`);
  return { ...(contract.example as OrderEventDetail), eventId: ulid(), ...overrides };
};

/** One SQS record whose body is the EventBridge envelope around `detail` (or `body` as given, to test bad input). */
export const orderEventRecord = (type: string, detail: OrderEventDetail | string): SqsRecord => ({
  messageId: ulid(),
  receiptHandle: `receipt-${ulid()}`,
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-queue',
  attributes: { ApproximateReceiveCount: '1' },
  body:
    typeof detail === 'string'
      ? detail
      : JSON.stringify({
          version: '0',
          id: ulid(),
          'detail-type': type,
          source: ORDER_EVENT_SOURCE,
          account: '000000000000',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail,
        }),
});

export const sqsEvent = (...records: SqsRecord[]): SqsEvent => ({ Records: records });

/** The Lambda context fields the handlers read (the local runtime and AWS give more). */
export const testLambdaContext = (functionName: string): LambdaContext => ({
  functionName,
  awsRequestId: ulid(),
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 10_000,
});
