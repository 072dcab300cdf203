/**
 * The skeleton every order-event processor shares: an SQS batch (Powertools BatchProcessor, partial batch
 * failures, never a whole-batch failure), each body parsed as the EventBridge envelope with a zod schema for the
 * order event detail, and, for work with an effect that is not idempotent by itself (an email), Powertools
 * Idempotency keyed on `<processor>#<event deduplication id>`: a re-delivered message does nothing a second time.
 * Work that is idempotent by itself (a receipt written under a fixed key, delivery messages that deduplicate on their
 * id) takes no persistence and pays no idempotency record (issue 18).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { z } from 'zod';
import {
  deduplicationId,
  EventEnvelopeInvalidError,
  ORDER_EVENT_TYPES,
  OrderEventDetailSchema,
} from '../../core/events/order-events';
import type { EventBridgeEnvelope, OrderEventDetail } from '../../core/events/order-events';
import { parseEventBridgeEnvelope } from '../shared/event-envelope';
import { idempotent, invocationLogger } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import { processSqsBatch } from '../shared/sqs-batch';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';
import { traced } from '../shared/traced';

export interface OrderEvent {
  readonly envelope: EventBridgeEnvelope;
  readonly type: (typeof ORDER_EVENT_TYPES)[number];
  readonly detail: OrderEventDetail;
  /** The id the processors deduplicate on (our detail.eventId, stable across republishing). */
  readonly eventId: string;
}

/** Parses one SQS body: the EventBridge envelope around an order event. */
export const parseOrderEvent = (body: string): OrderEvent => {
  const envelope = parseEventBridgeEnvelope(body);
  const type = z.enum(ORDER_EVENT_TYPES).safeParse(envelope['detail-type']);
  if (!type.success) throw new EventEnvelopeInvalidError(`not an order event: ${envelope['detail-type']}`);
  const detail = OrderEventDetailSchema.safeParse(envelope.detail);
  if (!detail.success)
    throw new EventEnvelopeInvalidError(`invalid ${type.data} detail: ${detail.error.message}`, {
      cause: detail.error,
    });
  return { envelope, type: type.data, detail: detail.data, eventId: deduplicationId(envelope) };
};

export type SqsHandler = (event: SqsEvent, context: LambdaContext) => Promise<BatchResponse>;

export interface OrderEventProcessorOptions {
  /** The processor's name: the idempotency key prefix and the log's `processor` key. */
  readonly name: string;
  /** Powertools Idempotency's store; absent when `work` is idempotent by itself. */
  readonly persistence?: DynamoDBPersistenceLayer;
  /** Which event types this processor acts on; others are acknowledged and skipped. */
  readonly accepts: readonly string[];
  readonly work: (event: OrderEvent, log: Logger) => Promise<Record<string, unknown>>;
  /**
   * Runs after `work` on every delivery of an accepted event, with work's result: the one just made, or the one
   * Powertools kept from an earlier delivery. For bookkeeping that must not sit between the effect and the
   * COMPLETED record (each write there widens the window in which a crash repeats the effect); it must be
   * idempotent, and its failure fails the message, so the redelivery replays the kept result and tries again.
   */
  readonly afterWork?: (event: OrderEvent, result: Record<string, unknown>) => Promise<void>;
}

/** A Lambda handler for an SQS queue fed by an EventBridge rule with order events. */
export const orderEventProcessor = (options: OrderEventProcessorOptions): SqsHandler => {
  const work = async (input: { eventId: string; body: string; messageId: string }, context: LambdaContext) => {
    const event = parseOrderEvent(input.body);
    const log = invocationLogger(
      {
        processor: options.name,
        eventId: event.eventId,
        orderId: event.detail.orderId,
        eventType: event.type,
        messageId: input.messageId,
      },
      context,
    );
    const result = await traced(`## ${options.name}`, { orderId: event.detail.orderId, processor: options.name }, () =>
      options.work(event, log),
    );
    // Scalars only: a nested record (the email's recipient and subject, kept for afterWork) stays out of the log.
    log.info(
      'processed',
      Object.fromEntries(Object.entries(result).filter(([, value]) => typeof value !== 'object' || value === null)),
    );
    return result;
  };
  const once =
    options.persistence === undefined
      ? work
      : idempotent(work, { persistence: options.persistence, eventKeyJmesPath: 'eventId', keyPrefix: options.name });
  return (sqsEvent, context) =>
    processSqsBatch(
      sqsEvent,
      async (record) => {
        const event = parseOrderEvent(record.body);
        if (!options.accepts.includes(event.type)) {
          invocationLogger({ processor: options.name, eventId: event.eventId, eventType: event.type }).debug(
            'event type not handled here; acknowledged',
          );
          return;
        }
        const result = await once({ eventId: event.eventId, body: record.body, messageId: record.messageId }, context);
        if (options.afterWork !== undefined) await options.afterWork(event, result);
      },
      { throwOnFullBatchFailure: false },
    );
};
