/**
 * Consumes the saga-starts queue (order.created through the rule order-created-starts-saga) and starts one
 * execution of the order saga per order, NAMED after the order id: a duplicate order.created finds the existing
 * execution (ExecutionAlreadyExists) and starts nothing. Each SQS body is the EventBridge envelope, parsed with a
 * schema; failures are reported per message (batchItemFailures), never for the whole batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { requiredEnv } from '../../core/config/env';
import { OrderIdSchema } from '../../core/domain/ids';
import { ORDER_EVENT_SOURCE } from '../../core/events/order-events';
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

/** Starts the execution named after the order; an existing one (running or finished) counts as started. */
export const startSagaFor = async (
  client: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  orderId: string,
): Promise<StartOutcome> => {
  try {
    await client.send(
      new StartExecutionCommand({ stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }),
    );
    return 'started';
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-started';
    throw classifyStepError(error);
  }
};

let client: SFNClient | undefined;

export const handler = async (event: SqsEvent<SqsMessage>, context: LambdaContext): Promise<BatchResponse> => {
  const stateMachineArn = requiredEnv(process.env, 'STATE_MACHINE_ARN');
  client ??= captured(new SFNClient({}));
  const sfn = client;
  const logger: Logger = invocationLogger({}, context);
  const record = async (message: SqsMessage): Promise<StartOutcome> => {
    let orderId: string | undefined;
    try {
      orderId = orderIdOf(message.body);
      const outcome = await startSagaFor(sfn, stateMachineArn, orderId);
      logger.info('saga start', { orderId, outcome, messageId: message.messageId });
      return outcome;
    } catch (error) {
      logger.error('saga start failed', { orderId, messageId: message.messageId, error });
      throw error;
    }
  };
  return processSqsBatch(event, record);
};
