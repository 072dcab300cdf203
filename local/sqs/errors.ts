/**
 * SQS errors in the shape the real service answers on its JSON protocol, so the SDK raises the modelled exception
 * (QueueDoesNotExist, ReceiptHandleIsInvalid, ...): `__type: com.amazonaws.sqs#<Name>` in the body and
 * `x-amzn-query-error: <query code>;Sender` (the SDK's query-compatible mode maps the query code back to the name).
 */
import type { EdgeResponse } from '../edge/types';

/** Modelled errors whose query-protocol code differs from their name, as the SDK's error schemas declare them. */
const QUERY_CODES: Readonly<Record<string, readonly [string, number]>> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
};

/** A client error of the local SQS; `code` is the error name the SDK raises. */
export class SqsError extends Error {
  readonly queryCode: string;
  readonly status: number;

  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SqsError';
    const known = QUERY_CODES[code];
    this.queryCode = known?.[0] ?? code;
    this.status = known?.[1] ?? 400;
  }
}

export const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');

export const invalidParameter = (message: string): SqsError => new SqsError('InvalidParameterValue', message);

/** The wire answer for an SqsError. */
export const sqsErrorResponse = (error: SqsError): EdgeResponse => ({
  status: error.status,
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': `${error.queryCode};Sender`,
  },
  body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
});
