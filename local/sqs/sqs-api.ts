/**
 * The SQS JSON protocol (X-Amz-Target `AmazonSQS.<Action>`, application/x-amz-json-1.0) over an SqsEngine.
 * Each action validates its input fully before changing anything.
 */
import { AwsServiceError, jsonResponse, type EdgeRequest, type EdgeResponse } from '../edge/types';
import { md5OfMessageAttributes, type MessageAttributeValue } from './checksums';
import { invalidParameter, SqsError, sqsErrorResponse } from './errors';
import type { SqsEngine } from './engine';
import type { ReceivedMessage } from './messages';
import { isQueryRequest, parseQueryRequest, queryErrorResponse, queryResponse } from './sqs-query';

type Input = Record<string, unknown>;
type Action = (sqs: SqsEngine, input: Input, request: EdgeRequest) => Promise<unknown> | unknown;

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const SYSTEM_ATTRIBUTE_NAMES = new Set([
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
]);

const missing = (name: string): SqsError =>
  new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);

const requiredString = (input: Input, name: string): string => {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value !== 'string')
    throw invalidParameter(`Value for parameter ${name} is invalid. Reason: must be a string.`);
  return value;
};

const optionalInteger = (input: Input, name: string): number | undefined => {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidParameter(`Value ${String(value)} for parameter ${name} is invalid. Reason: must be an integer.`);
  return value;
};

const stringList = (input: Input, name: string): string[] | undefined => {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw invalidParameter(`Value for parameter ${name} is invalid. Reason: must be a list of strings.`);
  return value as string[];
};

const stringMap = (input: Input, name: string): Record<string, string> => {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter(`Value for parameter ${name} is invalid. Reason: must be a map.`);
  return value as Record<string, string>;
};

/** Message attributes from the wire (BinaryValue base64) to the stored form. */
const messageAttributesFrom = (value: unknown): Record<string, MessageAttributeValue> => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter('Value for parameter MessageAttributes is invalid. Reason: must be a map.');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(value as Record<string, Record<string, unknown>>)) {
    if (!raw || typeof raw !== 'object') throw invalidParameter(`Message (user) attribute '${name}' is invalid.`);
    if (raw.StringListValues !== undefined || raw.BinaryListValues !== undefined) {
      throw new SqsError('UnsupportedOperation', `Message (user) attribute '${name}': list values are not supported.`);
    }
    out[name] = {
      DataType: raw.DataType as string,
      ...(typeof raw.StringValue === 'string' ? { StringValue: raw.StringValue } : {}),
      ...(typeof raw.BinaryValue === 'string' ? { BinaryValue: Buffer.from(raw.BinaryValue, 'base64') } : {}),
    };
  }
  return out;
};

const messageAttributesTo = (attributes: Readonly<Record<string, MessageAttributeValue>>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: value.BinaryValue.toString('base64') }
        : { DataType: value.DataType, StringValue: value.StringValue },
    ]),
  );

/** The origin queue URLs are answered with: the Host the client called, so the SDK keeps calling the edge. */
const baseUrlOf = (request: EdgeRequest): string | undefined => {
  const host = request.headers.host;
  return typeof host === 'string' && host.length > 0 ? `http://${host}` : undefined;
};

const queueUrlOf = (input: Input): string => requiredString(input, 'QueueUrl');

/** Selects message attributes by the ReceiveMessage filter: All, .*, a `prefix.*`, or exact names. */
const selectMessageAttributes = (
  attributes: Readonly<Record<string, MessageAttributeValue>>,
  filter: readonly string[],
): Record<string, MessageAttributeValue> => {
  const wanted = (name: string): boolean =>
    filter.some(
      (item) =>
        item === 'All' || item === '.*' || item === name || (item.endsWith('.*') && name.startsWith(item.slice(0, -1))),
    );
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
};

const toWireMessage = (
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributeFilter: readonly string[],
): Record<string, unknown> => {
  const attributes = systemNames.includes('All')
    ? message.attributes
    : Object.fromEntries(Object.entries(message.attributes).filter(([name]) => systemNames.includes(name)));
  const selected = selectMessageAttributes(message.messageAttributes, attributeFilter);
  const md5 = md5OfMessageAttributes(selected);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(md5 !== undefined ? { MD5OfMessageAttributes: md5, MessageAttributes: messageAttributesTo(selected) } : {}),
  };
};

interface BatchEntry {
  readonly Id: string;
  readonly [key: string]: unknown;
}

/** Validates a batch's shape as SQS does (1-10 entries, valid and distinct ids) before touching any entry. */
const batchEntries = (input: Input): BatchEntry[] => {
  const entries = input.Entries;
  if (entries === undefined || entries === null) throw missing('Entries');
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  if (entries.length > 10)
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const ids = new Set<string>();
  for (const entry of entries as BatchEntry[]) {
    if (!entry || typeof entry.Id !== 'string' || !BATCH_ENTRY_ID.test(entry.Id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(entry.Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${entry.Id} repeated.`);
    ids.add(entry.Id);
  }
  return entries as BatchEntry[];
};

/** Runs each entry; an SqsError becomes a Failed entry, anything else is a bug and propagates. */
const runBatch = async (
  entries: readonly BatchEntry[],
  each: (entry: BatchEntry) => Promise<Record<string, unknown>>,
): Promise<{ Successful: unknown[]; Failed: unknown[] }> => {
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...(await each(entry)) });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful, Failed };
};

/** The X-Amzn-Trace-Id header the X-Ray SDK adds: SQS keeps it as AWSTraceHeader when the message does not set one. */
const requestTraceHeader = (request: EdgeRequest): string | undefined => {
  const value = request.headers['x-amzn-trace-id'];
  return Array.isArray(value) ? value[0] : value;
};

const sendOne = (
  sqs: SqsEngine,
  queueUrl: string,
  entry: Input,
  fallbackTraceHeader?: string,
): Record<string, unknown> => {
  const body = entry.MessageBody;
  if (body === undefined || body === null || body === '') throw missing('MessageBody');
  if (typeof body !== 'string')
    throw invalidParameter('Value for parameter MessageBody is invalid. Reason: must be a string.');
  const system = entry.MessageSystemAttributes as Record<string, { StringValue?: string }> | undefined;
  const result = sqs.send(sqs.queue(queueUrl), body, {
    attributes: messageAttributesFrom(entry.MessageAttributes),
    delaySeconds: optionalInteger(entry, 'DelaySeconds'),
    messageGroupId: typeof entry.MessageGroupId === 'string' ? entry.MessageGroupId : undefined,
    traceHeader: system?.AWSTraceHeader?.StringValue ?? fallbackTraceHeader,
  });
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    ...(result.md5OfMessageAttributes !== undefined ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
  };
};

const moveTaskToWire = (task: ReturnType<SqsEngine['listMessageMoveTasks']>[number]): Record<string, unknown> => ({
  TaskHandle: task.status === 'RUNNING' ? task.taskHandle : undefined,
  Status: task.status,
  SourceArn: task.sourceArn,
  DestinationArn: task.destinationArn,
  MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond,
  ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved,
  ApproximateNumberOfMessagesToMove: task.approximateNumberOfMessagesToMove,
  FailureReason: task.failureReason,
  StartedTimestamp: task.startedTimestamp,
});

const ACTIONS: Readonly<Record<string, Action>> = {
  CreateQueue: (sqs, input, request) => {
    const created = sqs.createQueue(requiredString(input, 'QueueName'), stringMap(input, 'Attributes'));
    return { QueueUrl: sqs.queueUrl(created.name, baseUrlOf(request)) };
  },
  GetQueueUrl: (sqs, input, request) => ({
    QueueUrl: sqs.getQueueUrl(requiredString(input, 'QueueName'), baseUrlOf(request)),
  }),
  ListQueues: (sqs, input, request) => {
    const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
    const maxResults = optionalInteger(input, 'MaxResults');
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000))
      throw invalidParameter('Value for parameter MaxResults is invalid. Reason: Must be between 1 and 1000.');
    const names = sqs.queueNames(prefix);
    const start =
      typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) || 0 : 0;
    const page = maxResults === undefined ? names.slice(0, 1000) : names.slice(start, start + maxResults);
    const end = start + page.length;
    return {
      ...(page.length > 0 ? { QueueUrls: page.map((name) => sqs.queueUrl(name, baseUrlOf(request))) } : {}),
      ...(maxResults !== undefined && end < names.length
        ? { NextToken: Buffer.from(String(end)).toString('base64') }
        : {}),
    };
  },
  DeleteQueue: (sqs, input) => {
    sqs.deleteQueue(queueUrlOf(input));
    return {};
  },
  GetQueueAttributes: (sqs, input) => {
    const names = stringList(input, 'AttributeNames') ?? [];
    if (names.length === 0) return {};
    return { Attributes: sqs.getQueueAttributes(queueUrlOf(input), names) };
  },
  SetQueueAttributes: (sqs, input) => {
    if (input.Attributes === undefined) throw missing('Attributes');
    sqs.setQueueAttributes(queueUrlOf(input), stringMap(input, 'Attributes'));
    return {};
  },
  PurgeQueue: (sqs, input) => {
    sqs.purgeQueue(queueUrlOf(input));
    return {};
  },
  ListDeadLetterSourceQueues: (sqs, input, request) => ({
    queueUrls: sqs.deadLetterSourceQueues(queueUrlOf(input)).map((name) => sqs.queueUrl(name, baseUrlOf(request))),
  }),
  SendMessage: (sqs, input, request) => sendOne(sqs, queueUrlOf(input), input, requestTraceHeader(request)),
  SendMessageBatch: (sqs, input, request) => {
    const queueUrl = queueUrlOf(input);
    sqs.queue(queueUrl);
    const entries = batchEntries(input);
    const total = entries.reduce((size, entry) => size + Buffer.byteLength(String(entry.MessageBody ?? '')), 0);
    if (total > 1048576)
      throw new SqsError('BatchRequestTooLong', 'Batch requests cannot be longer than 1048576 bytes.');
    return runBatch(entries, async (entry) => sendOne(sqs, queueUrl, entry, requestTraceHeader(request)));
  },
  ReceiveMessage: async (sqs, input) => {
    const systemNames = [
      ...(stringList(input, 'AttributeNames') ?? []),
      ...(stringList(input, 'MessageSystemAttributeNames') ?? []),
    ];
    const unknown = systemNames.find((name) => !SYSTEM_ATTRIBUTE_NAMES.has(name));
    if (unknown !== undefined) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    const attributeFilter = stringList(input, 'MessageAttributeNames') ?? [];
    const messages = await sqs.receive(queueUrlOf(input), {
      maxNumberOfMessages: optionalInteger(input, 'MaxNumberOfMessages'),
      visibilityTimeoutSeconds: optionalInteger(input, 'VisibilityTimeout'),
      waitTimeSeconds: optionalInteger(input, 'WaitTimeSeconds'),
    });
    return messages.length === 0
      ? {}
      : { Messages: messages.map((message) => toWireMessage(message, systemNames, attributeFilter)) };
  },
  DeleteMessage: async (sqs, input) => {
    await sqs.deleteMessage(queueUrlOf(input), requiredString(input, 'ReceiptHandle'));
    return {};
  },
  DeleteMessageBatch: (sqs, input) => {
    const queueUrl = queueUrlOf(input);
    sqs.queue(queueUrl);
    return runBatch(batchEntries(input), async (entry) => {
      await sqs.deleteMessage(queueUrl, requiredString(entry, 'ReceiptHandle'));
      return {};
    });
  },
  ChangeMessageVisibility: async (sqs, input) => {
    const timeout = optionalInteger(input, 'VisibilityTimeout');
    if (timeout === undefined) throw missing('VisibilityTimeout');
    await sqs.changeMessageVisibility(queueUrlOf(input), requiredString(input, 'ReceiptHandle'), timeout);
    return {};
  },
  ChangeMessageVisibilityBatch: (sqs, input) => {
    const queueUrl = queueUrlOf(input);
    sqs.queue(queueUrl);
    return runBatch(batchEntries(input), async (entry) => {
      const timeout = optionalInteger(entry, 'VisibilityTimeout');
      if (timeout === undefined) throw missing('VisibilityTimeout');
      await sqs.changeMessageVisibility(queueUrl, requiredString(entry, 'ReceiptHandle'), timeout);
      return {};
    });
  },
  StartMessageMoveTask: (sqs, input) => ({
    TaskHandle: sqs.startMessageMoveTask(
      requiredString(input, 'SourceArn'),
      typeof input.DestinationArn === 'string' ? input.DestinationArn : undefined,
      optionalInteger(input, 'MaxNumberOfMessagesPerSecond'),
    ),
  }),
  ListMessageMoveTasks: (sqs, input) => ({
    Results: sqs
      .listMessageMoveTasks(requiredString(input, 'SourceArn'), optionalInteger(input, 'MaxResults') ?? 1)
      .map(moveTaskToWire),
  }),
  CancelMessageMoveTask: (sqs, input) => ({
    ApproximateNumberOfMessagesMoved: sqs.cancelMessageMoveTask(requiredString(input, 'TaskHandle')),
  }),
};

/** Answers one query-protocol request (form in, XML out) with the same actions as the JSON protocol. */
const handleQueryRequest = async (sqs: SqsEngine, request: EdgeRequest): Promise<EdgeResponse> => {
  const { action, input } = parseQueryRequest(request.body);
  const run = action === undefined ? undefined : ACTIONS[action];
  try {
    if (!run || action === undefined)
      throw new SqsError('InvalidAction', `The action ${action ?? '(none)'} is not valid for this endpoint.`);
    // The query protocol may also name the queue by the request path (POST /<account>/<queue>).
    const withQueue =
      input.QueueUrl === undefined && /^\/\d+\/[^/]+$/.test(request.path)
        ? { ...input, QueueUrl: `${baseUrlOf(request) ?? ''}${request.path}` }
        : input;
    return queryResponse(action, await run(sqs, withQueue, request));
  } catch (error) {
    if (error instanceof SqsError) return queryErrorResponse(error);
    throw error;
  }
};

/** Answers one SQS request, JSON protocol (X-Amz-Target) or query protocol (form-encoded Action). */
export const handleSqsRequest = async (sqs: SqsEngine, request: EdgeRequest): Promise<EdgeResponse> => {
  if (isQueryRequest(request.headers)) return handleQueryRequest(sqs, request);
  const action = request.action;
  const run = action === undefined ? undefined : ACTIONS[action];
  if (!run) {
    throw new AwsServiceError(
      'UnknownOperationException',
      `The local SQS does not support the action ${action ?? '(none: SQS takes X-Amz-Target AmazonSQS.<Action>)'}`,
    );
  }
  try {
    let input: Input;
    try {
      const parsed: unknown = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
      input = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Input) : {};
    } catch (error) {
      throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.', { cause: error });
    }
    return jsonResponse(await run(sqs, input, request), CONTENT_TYPE);
  } catch (error) {
    if (error instanceof SqsError) return sqsErrorResponse(error);
    throw error;
  }
};
