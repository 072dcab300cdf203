/**
 * Consumer `loyalty-points`: loyalty points for customers, awarded on order.confirmed and taken back on order.failed
 * (after its refund).
 *
 * Receives order.confirmed, order.failed from the bus: rule events-to-loyalty-points -> queue loyalty-points (DLQ
 * loyalty-points-dlq) -> this function, all from its entry in `consumers` (core/platform/resources.ts).
 * Scaffolded by `npm run new:consumer`; its work is `loyaltyPointsWork`.
 *
 * order.confirmed awards 1 point per whole currency unit of the total (core/loyalty/points.ts); order.failed is what a
 * refund publishes — the saga refunds a captured payment (RefundPayment) before MarkOrderFailed — and takes back what
 * the order earned, if anything. Idempotent on the event id without Powertools Idempotency: each event is one
 * conditional write at most, keyed by the order (core/store/dynamo-loyalty-ledger.ts), so a redelivery or a replay of the
 * archive, however old, finds its entry and changes nothing, and pays no idempotency record.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../../core/config/env';
import { pointsForTotal } from '../../core/loyalty/points';
import type { LoyaltyLedger } from '../../core/loyalty/points';
import { consumerEvents } from '../../core/platform/resources';
import { DynamoLoyaltyLedger } from '../../core/store/dynamo-loyalty-ledger';
import { orderEventProcessor } from '../processors/order-event-processor';
import type { OrderEvent, SqsHandler } from '../processors/order-event-processor';
import type { LambdaContext } from '../shared/lambda-context';
import { captured } from '../shared/powertools';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';

export const CONSUMER = 'loyalty-points';

export interface LoyaltyPointsDeps {
  readonly ledger: LoyaltyLedger;
}

/** What the consumer does with one event: award or take back the order's points, at most one conditional write. */
export const loyaltyPointsWork =
  (ledger: LoyaltyLedger) =>
  async (event: OrderEvent, log: Logger): Promise<Record<string, unknown>> => {
    const { customerId, orderId, total, occurredAt: at } = event.detail;
    if (event.type === 'order.confirmed') {
      const points = pointsForTotal(total);
      const outcome = await ledger.award({ customerId, orderId, eventId: event.eventId, total, points, at });
      if (outcome === 'already-awarded') log.info('order already earned its points; nothing awarded again');
      return { outcome, points };
    }
    const outcome = await ledger.revoke({ customerId, orderId, eventId: event.eventId, at });
    return { outcome };
  };

export const createLoyaltyPointsHandler = (deps: LoyaltyPointsDeps): SqsHandler =>
  orderEventProcessor({
    name: CONSUMER,
    accepts: consumerEvents(CONSUMER),
    work: loyaltyPointsWork(deps.ledger),
  });

let configured: SqsHandler | undefined;

/** The Lambda entry (lambdas/consumers/loyalty-points.ts); configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  configured ??= createLoyaltyPointsHandler({
    ledger: new DynamoLoyaltyLedger(
      DynamoDBDocumentClient.from(captured(new DynamoDBClient({})), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      requiredEnv(process.env, 'TABLE_NAME'),
    ),
  });
  return configured(event, context);
};
