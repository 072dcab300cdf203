/**
 * Consumes the saga-starts queue (order.created through the rule order-created-starts-saga) and starts one
 * execution of the order saga per order, NAMED after the order id. The name is claimed in the table first
 * (core/adapters/claimed-saga-runner.ts): an EXPRESS state machine does not deduplicate names, so a duplicate
 * order.created finds the claim and starts nothing, whichever the stage's workflow type. Each SQS body is the
 * EventBridge envelope, parsed with a schema; failures are reported per message (batchItemFailures), never for the
 * whole batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ClaimedSagaRunner } from '../../core/adapters/claimed-saga-runner';
import { requiredEnv } from '../../core/config/env';
import { OrderIdSchema } from '../../core/domain/ids';
import { ORDER_EVENT_SOURCE } from '../../core/events/order-events';
import type { SagaRunner } from '../../core/orders/reconciler';
import { DynamoSagaStartClaims } from '../../core/store/saga-start-claims';
import { parseEventBridgeEnvelope } from '../shared/event-envelope';
import type { LambdaContext } from '../shared/lambda-context';
import { captured, invocationLogger } from '../shared/powertools';
import { processSqsBatch } from '../shared/sqs-batch';
import type { BatchResponse, SqsEvent, SqsMessage } from '../shared/sqs-batch';
import { classifyStepError } from '../shared/transient';

const OrderCreatedDetailSchema = z.object({ orderId: OrderIdSchema });

/** The message is not an order.created event of the platform: retrying cannot help, it goes to the DLQ. */
export class SagaStartMessageInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SagaStartMessageInvalidError';
  }
}

export type StartOutcome = 'started' | 'already-started';

/** The order id an SQS message announces. */
export const orderIdOf = (body: string): string => {
  const envelope = parseEventBridgeEnvelope(body);
  if (envelope.source !== ORDER_EVENT_SOURCE || envelope['detail-type'] !== 'order.created') {
    throw new SagaStartMessageInvalidError(
      `expected order.created from ${ORDER_EVENT_SOURCE}, got ${envelope['detail-type']} from ${envelope.source}`,
    );
  }
  const detail = OrderCreatedDetailSchema.safeParse(envelope.detail);
  if (!detail.success)
    throw new SagaStartMessageInvalidError(`order.created without a valid orderId: ${detail.error.message}`, {
      cause: detail.error,
    });
  return detail.data.orderId;
};

/** Starts the execution named after the order; a name claimed before (running or finished) counts as started. */
export const startSagaFor = async (runner: SagaRunner, orderId: string): Promise<StartOutcome> => {
  try {
    return (await runner.start(orderId, orderId)) === 'started' ? 'started' : 'already-started';
  } catch (error) {
    throw classifyStepError(error);
  }
};

let runner: SagaRunner | undefined;

export const handler = async (event: SqsEvent<SqsMessage>, context: LambdaContext): Promise<BatchResponse> => {
  runner ??= new ClaimedSagaRunner(
    captured(new SFNClient({})),
    requiredEnv(process.env, 'STATE_MACHINE_ARN'),
    new DynamoSagaStartClaims(
      DynamoDBDocumentClient.from(captured(new DynamoDBClient({}))),
      requiredEnv(process.env, 'TABLE_NAME'),
    ),
  );
  const saga = runner;
  const logger: Logger = invocationLogger({}, context);
  const record = async (message: SqsMessage): Promise<StartOutcome> => {
    let orderId: string | undefined;
    try {
      orderId = orderIdOf(message.body);
      const outcome = await startSagaFor(saga, orderId);
      logger.info('saga start', { orderId, outcome, messageId: message.messageId });
      return outcome;
    } catch (error) {
      logger.error('saga start failed', { orderId, messageId: message.messageId, error });
      throw error;
    }
  };
  return processSqsBatch(event, record);
};
