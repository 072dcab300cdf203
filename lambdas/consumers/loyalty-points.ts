/**
 * Consumer `loyalty-points`: loyalty points for customers, awarded on order.confirmed and taken back on order.failed (after its refund).
 *
 * Receives order.confirmed, order.failed from the bus: rule events-to-loyalty-points -> queue loyalty-points (DLQ
 * loyalty-points-dlq) -> this function, all from its entry in `consumers` (core/platform/resources.ts).
 * Scaffolded by `npm run new:consumer`; its work is `loyaltyPointsWork`.
 *
 * Each message is the EventBridge envelope around an order event, parsed with the contract's schema; a message that
 * fails, fails alone (batchItemFailures) and reaches the DLQ after its receives. Idempotent on the event id:
 * Powertools Idempotency records every event id it has handled (`loyalty-points#<hash>` in the table, 24 hours), so
 * a redelivery or a replay of the archive does the work once. Work that is idempotent by itself (one conditional
 * write keyed by the event) can drop the persistence and save its two writes per event.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requiredEnv } from '../../core/config/env';
import { consumerEvents } from '../../core/platform/resources';
import { orderEventProcessor } from '../processors/order-event-processor';
import type { OrderEvent, OrderEventProcessorOptions, SqsHandler } from '../processors/order-event-processor';
import type { LambdaContext } from '../shared/lambda-context';
import { captured, idempotencyPersistence } from '../shared/powertools';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';

export const CONSUMER = 'loyalty-points';

export interface LoyaltyPointsDeps {
  /** Powertools Idempotency's store on the table. */
  readonly persistence: NonNullable<OrderEventProcessorOptions['persistence']>;
  /** The work on one event; loyaltyPointsWork unless a test counts the calls. */
  readonly work?: OrderEventProcessorOptions['work'];
}

/** What the consumer does with one event, once per event id; what it answers is logged. */
export const loyaltyPointsWork = async (event: OrderEvent, log: Logger): Promise<Record<string, unknown>> => {
  log.debug('order event', { total: event.detail.total, status: event.detail.status });
  return { orderId: event.detail.orderId, type: event.type };
};

export const createLoyaltyPointsHandler = (deps: LoyaltyPointsDeps): SqsHandler =>
  orderEventProcessor({
    name: CONSUMER,
    persistence: deps.persistence,
    accepts: consumerEvents(CONSUMER),
    work: deps.work ?? loyaltyPointsWork,
  });

let configured: SqsHandler | undefined;

/** The Lambda entry (lambdas/consumers/loyalty-points.ts); configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  configured ??= createLoyaltyPointsHandler({
    persistence: idempotencyPersistence(captured(new DynamoDBClient({})), requiredEnv(process.env, 'TABLE_NAME')),
  });
  return configured(event, context);
};
