/**
 * The SQS side of every queue-fed handler: the record and event shapes Lambda delivers (from @types/aws-lambda)
 * and one typed call of Powertools' partial batch processing, so a failing record fails alone (batchItemFailures)
 * and the handlers need no casts.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** The part of an SQS record (as Lambda delivers it) our handlers read; a whole `SQSRecord` satisfies it. */
export type SqsRecord = Pick<SQSRecord, 'messageId' | 'receiptHandle' | 'body' | 'eventSourceARN'> & {
  readonly attributes: Partial<SQSRecordAttributes>;
};

/** What a handler that reads only the message id and body needs of a record (tests build just these). */
export type SqsMessage = Pick<SQSRecord, 'messageId' | 'body'>;

/** `SQSEvent`, over records of type R. */
export interface SqsEvent<R extends SqsMessage = SqsRecord> {
  readonly Records: R[];
}

/** The partial batch response: the message ids that failed, for SQS to deliver again. */
export type BatchResponse = SQSBatchResponse;

export interface SqsBatchOptions {
  /** Powertools' default (true) throws when every record failed; false answers every id as failed instead. */
  readonly throwOnFullBatchFailure?: boolean;
}

/**
 * Runs `recordHandler` on each record with Powertools' BatchProcessor; a failing record fails alone. No Lambda
 * context is passed: Powertools would only hand it to the record handler as a second argument, and ours take the
 * record alone.
 */
export const processSqsBatch = <R extends SqsMessage>(
  event: SqsEvent<R>,
  recordHandler: (record: R) => Promise<unknown>,
  options?: SqsBatchOptions,
): Promise<BatchResponse> =>
  processPartialResponse(event, (record: R) => recordHandler(record), new BatchProcessor(EventType.SQS), options);
