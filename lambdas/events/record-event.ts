/**
 * SQS-fed (queue `events-log`, filled by the catch-all rule): records every event that crossed the bus for
 * GET /api/events. Each message body is an EventBridge envelope. Idempotent on the event's deduplication id;
 * a bad message fails alone (batchItemFailures) and reaches the DLQ after its retries.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../../core/config/env';
import type { EventLog } from '../../core/events/ports';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { parseEventBridgeEnvelope } from '../shared/event-envelope';
import { processSqsBatch } from '../shared/sqs-batch';
import type { BatchResponse, SqsEvent, SqsMessage } from '../shared/sqs-batch';

export interface RecordEventDeps {
  readonly store: Pick<EventLog, 'recordEvent'>;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export const createRecordEventHandler = (deps: RecordEventDeps) => {
  const now = deps.now ?? (() => new Date());
  const recordHandler = async (record: SqsMessage): Promise<void> => {
    const envelope = parseEventBridgeEnvelope(record.body);
    const recorded = await deps.store.recordEvent(envelope, now().toISOString());
    deps.logger.debug(recorded ? 'event recorded' : 'event already recorded', {
      eventId: envelope.id,
      source: envelope.source,
      detailType: envelope['detail-type'],
    });
  };
  return async (event: SqsEvent<SqsMessage>): Promise<BatchResponse> => processSqsBatch(event, recordHandler);
};

let configured: ((event: SqsEvent<SqsMessage>) => Promise<BatchResponse>) | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent<SqsMessage>): Promise<BatchResponse> => {
  if (configured === undefined) {
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    configured = createRecordEventHandler({
      store: createDynamoStores(documentClient, requiredEnv(process.env, 'TABLE_NAME')).events,
      logger: new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'record-event' }),
    });
  }
  return configured(event);
};
