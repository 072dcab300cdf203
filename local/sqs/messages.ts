/**
 * The local SQS's data model: the options and answers of its in-process API, the stored message and queue, receipt
 * handles, and the validation of message attributes that SendMessage applies before anything changes.
 */
import { randomBytes } from 'node:crypto';
import type { MessageAttributeValue } from './checksums';
import type { Clock } from './clock';
import { invalidParameter, SqsError } from './errors';
import type { MessagePersistence } from './persistence';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalSqsOptions {
  readonly clock?: Clock;
  /** Defaults to AWS_REGION, then us-east-1. */
  readonly region?: string;
  /** The edge URL queue URLs start with for in-process callers (the API uses the request's Host). */
  readonly baseUrl?: string;
  /** Writes messages through, so a queue created again (the next run) holds what was not deleted (./persistence.ts). */
  readonly persistence?: MessagePersistence;
}

export interface SendOptions {
  readonly messageGroupId?: string;
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly delaySeconds?: number;
  /** The AWSTraceHeader system attribute. */
  readonly traceHeader?: string;
}

export interface ReceiveOptions {
  /** 1 to 10; default 1. */
  readonly maxNumberOfMessages?: number;
  /** Overrides the queue's VisibilityTimeout for the messages of this receive. */
  readonly visibilityTimeoutSeconds?: number;
  /** Long poll up to this many seconds (0 to 20); default the queue's ReceiveMessageWaitTimeSeconds. */
  readonly waitTimeSeconds?: number;
  /** Ends a long poll early with no messages. */
  readonly signal?: AbortSignal;
}

/** A message as one receive hands it out. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** System attributes, all of them, as strings (SentTimestamp, ApproximateReceiveCount, ...). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface QueueDepths {
  /** ApproximateNumberOfMessages: available now. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received and not yet deleted or visible again. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
}

export interface QueueSummary extends QueueDepths {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** True when another queue's RedrivePolicy names this queue, or it was declared a dead-letter queue (markDeadLetter). */
  readonly isDlq: boolean;
}

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MoveTask {
  readonly taskHandle: string;
  status: MoveTaskStatus;
  readonly sourceArn: string;
  readonly destinationArn?: string;
  readonly maxNumberOfMessagesPerSecond?: number;
  approximateNumberOfMessagesMoved: number;
  readonly approximateNumberOfMessagesToMove: number;
  failureReason?: string;
  readonly startedTimestamp: number;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly messageGroupId?: string;
  readonly traceHeader?: string;
  /** When it first entered any queue: retention counts from here, across a move to the DLQ, as AWS does. */
  readonly enqueuedAt: number;
  readonly sentTimestamp: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** The handle of the latest receive; older handles are stale. */
  receiptHandle?: string;
  deadLetterQueueSourceArn?: string;
}

export interface Queue {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  modifiedAt: number;
  attributes: Record<string, string>;
  readonly messages: Map<string, StoredMessage>;
  readonly waiters: Set<() => void>;
}

export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
export const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';

/** Characters SQS accepts in a body: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the class lists the control characters SQS allows (tab, LF, CR) to reject every other one
export const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const encodeHandle = (queue: string, messageId: string): string =>
  Buffer.from(JSON.stringify({ q: queue, m: messageId, n: randomBytes(12).toString('hex') })).toString('base64url');

export const decodeHandle = (handle: string): { queue: string; messageId: string } => {
  try {
    const parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8')) as { q?: unknown; m?: unknown };
    if (typeof parsed.q === 'string' && typeof parsed.m === 'string') return { queue: parsed.q, messageId: parsed.m };
  } catch (error) {
    throw new SqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
      { cause: error },
    );
  }
  throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
};

export const attributeSize = (attributes: Readonly<Record<string, MessageAttributeValue>>): number =>
  Object.entries(attributes).reduce(
    (size, [name, value]) =>
      size +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      (value.BinaryValue?.length ?? Buffer.byteLength(value.StringValue ?? '')),
    0,
  );

export const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;

export const validateMessageAttributes = (attributes: Readonly<Record<string, MessageAttributeValue>>): void => {
  const names = Object.keys(attributes);
  if (names.length > 10)
    throw invalidParameter(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw invalidParameter(`Message (user) attribute name '${name}' is invalid.`);
    }
    if (!value || typeof value.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(value.DataType)) {
      throw invalidParameter(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const binary = value.DataType.startsWith('Binary');
    if (binary ? value.BinaryValue === undefined : value.StringValue === undefined) {
      throw invalidParameter(
        `Message (user) attribute '${name}' must contain a non-empty value of type '${binary ? 'Binary' : 'String'}'.`,
      );
    }
    if (value.DataType.startsWith('Number') && !Number.isFinite(Number(value.StringValue))) {
      throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
  }
};

/** The in-memory SQS. Create one per local cloud; call `stop()` to end long polls, move tasks and timers. */
