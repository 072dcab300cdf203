/**
 * SQS event source mappings: one poller per mapping long-polls the local SQS, hands batches to a function as an
 * SQS event, and deletes what succeeded. As in AWS: a failed invocation (error, timeout, injected fault) leaves the
 * whole batch to come back after the visibility timeout; with ReportBatchItemFailures only the reported messages
 * stay; an invalid batchItemFailures answer fails the whole batch; the queue's redrive policy then moves exhausted
 * messages to the dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '../sqs/checksums';
import { md5OfMessageAttributes } from '../sqs/checksums';
import type { LocalSqs, ReceivedMessage } from '../sqs/local-sqs';
import { LambdaFunctionNotFoundError, type InvocationResult, type LocalLambda } from './local-lambda';

export interface SqsEventSourceMappingSpec {
  /** Queue name, URL or ARN. */
  readonly queue: string;
  /** Function name or ARN. */
  readonly functionName: string;
  /** 1 to 10000; default 10. More than 10 needs a batching window, as in AWS. */
  readonly batchSize?: number;
  /** 0 to 300; default 0. */
  readonly maximumBatchingWindowSeconds?: number;
  readonly reportBatchItemFailures?: boolean;
}

export interface SqsEventSourceOptions {
  /** Told about failures the poller survives: a missing queue or function, a failed delete, a failed batch. */
  readonly onError?: (error: unknown, context: { readonly mapping: string; readonly functionName: string }) => void;
  /** Pause after a failed receive before polling again; default 1000 ms. */
  readonly retryDelayMs?: number;
}

/** The record Lambda builds for one SQS message. */
export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<
    Record<
      string,
      {
        stringValue?: string;
        binaryValue?: string;
        stringListValues: string[];
        binaryListValues: string[];
        dataType: string;
      }
    >
  >;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

/** A batch the handler failed as a whole (its invocation error), reported through onError. */
export class SqsEventSourceBatchFailedError extends Error {
  constructor(
    readonly functionName: string,
    readonly invocationError: NonNullable<InvocationResult['error']>,
  ) {
    super(`${functionName} failed a batch with ${invocationError.errorType}: ${invocationError.errorMessage}`);
    this.name = 'SqsEventSourceBatchFailedError';
  }
}

/** A batchItemFailures answer Lambda would reject (then the whole batch counts as failed). */
export class SqsEventSourceInvalidBatchResponseError extends Error {
  constructor(functionName: string, detail: string) {
    super(`${functionName} answered an invalid batchItemFailures: ${detail}`);
    this.name = 'SqsEventSourceInvalidBatchResponseError';
  }
}

const toRecord = (message: ReceivedMessage, eventSourceARN: string, awsRegion: string): SqsEventRecord => {
  const md5 = md5OfMessageAttributes(message.messageAttributes);
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: message.attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]: [string, MessageAttributeValue]) => [
        name,
        {
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue.toString('base64') } : {}),
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType,
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    ...(md5 !== undefined ? { md5OfMessageAttributes: md5 } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
};

/**
 * The message ids a successful invocation asks to keep: none for a void answer or an empty list; all of them when
 * the answer is malformed or names a message not in the batch.
 */
const failedIds = (functionName: string, result: unknown, batch: readonly ReceivedMessage[]): Set<string> => {
  if (result === null || result === undefined || typeof result !== 'object' || !('batchItemFailures' in result))
    return new Set();
  const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  const inBatch = new Set(batch.map((message) => message.messageId));
  const ids = new Set<string>();
  if (!Array.isArray(failures)) throw new SqsEventSourceInvalidBatchResponseError(functionName, 'not a list');
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !inBatch.has(id))
      throw new SqsEventSourceInvalidBatchResponseError(
        functionName,
        `itemIdentifier ${JSON.stringify(id)} is not a message of the batch`,
      );
    ids.add(id);
  }
  return ids;
};

/** One running SQS -> Lambda mapping. */
export class SqsEventSourceMapping {
  readonly uuid = randomUUID();
  /** The settings in force, defaults applied. */
  readonly batchSize: number;
  readonly windowSeconds: number;
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly sqs: LocalSqs,
    private readonly lambda: LocalLambda,
    readonly spec: SqsEventSourceMappingSpec,
    private readonly options: SqsEventSourceOptions = {},
  ) {
    this.batchSize = spec.batchSize ?? 10;
    this.windowSeconds = spec.maximumBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10000)
      throw new RangeError(`batchSize must be 1 to 10000, not ${this.batchSize}`);
    if (!Number.isInteger(this.windowSeconds) || this.windowSeconds < 0 || this.windowSeconds > 300)
      throw new RangeError(`maximumBatchingWindowSeconds must be 0 to 300, not ${this.windowSeconds}`);
    if (this.batchSize > 10 && this.windowSeconds === 0)
      throw new RangeError('A batchSize above 10 needs a maximumBatchingWindowSeconds of at least 1');
  }

  /** Starts polling (once). */
  start(): this {
    this.loop ??= this.poll();
    return this;
  }

  /** Stops polling: ends the current long poll at once and waits for a batch in progress to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** Calls `listener` once when `stop()` is first called. */
  onStop(listener: () => void): void {
    if (this.stopped) listener();
    else this.abort.signal.addEventListener('abort', listener, { once: true });
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private report(error: unknown): void {
    this.options.onError?.(error, { mapping: this.uuid, functionName: this.spec.functionName });
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      let batch: ReceivedMessage[];
      try {
        batch = await this.collectBatch();
      } catch (error) {
        this.report(error);
        await this.pause(this.options.retryDelayMs ?? 1000);
        continue;
      }
      if (batch.length > 0) await this.process(batch);
    }
  }

  private async collectBatch(): Promise<ReceivedMessage[]> {
    const batch = await this.sqs.receive(this.spec.queue, {
      maxNumberOfMessages: Math.min(10, this.batchSize),
      waitTimeSeconds: 20,
      signal: this.abort.signal,
    });
    if (batch.length === 0 || this.windowSeconds === 0) return batch;
    const windowEnds = Date.now() + this.windowSeconds * 1000;
    while (batch.length < this.batchSize && !this.stopped && Date.now() < windowEnds) {
      const more = await this.sqs.receive(this.spec.queue, {
        maxNumberOfMessages: Math.min(10, this.batchSize - batch.length),
        waitTimeSeconds: Math.min(20, Math.ceil((windowEnds - Date.now()) / 1000)),
        signal: this.abort.signal,
      });
      batch.push(...more);
    }
    return batch;
  }

  private async process(batch: readonly ReceivedMessage[]): Promise<void> {
    let keep: Set<string>;
    try {
      const eventSourceARN = this.sqs.queueArn(this.sqs.queue(this.spec.queue).name);
      const event = { Records: batch.map((message) => toRecord(message, eventSourceARN, this.sqs.region)) };
      // As in AWS, the invocation continues the trace of the batch's first message that carries one.
      const traceHeader = batch
        .map((message) => message.attributes.AWSTraceHeader)
        .find((header) => header !== undefined);
      const outcome = await this.lambda.invoke(
        this.spec.functionName,
        event,
        traceHeader === undefined ? {} : { traceHeader },
      );
      if (outcome.error) throw new SqsEventSourceBatchFailedError(this.spec.functionName, outcome.error);
      keep = this.spec.reportBatchItemFailures ? failedIds(this.spec.functionName, outcome.result, batch) : new Set();
    } catch (error) {
      this.report(error);
      return;
    }
    for (const message of batch) {
      if (keep.has(message.messageId)) continue;
      await this.sqs
        .deleteMessage(this.spec.queue, message.receiptHandle)
        .catch((error: unknown) => this.report(error));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The ARN a queue name, URL or ARN stands for, whether or not the queue exists yet. */
const queueArnOf = (sqs: LocalSqs, reference: string): string => {
  if (reference.startsWith('arn:')) return reference;
  try {
    return sqs.queue(reference).arn;
  } catch {
    return sqs.queueArn(reference.split('/').at(-1) ?? reference);
  }
};

/** The ARN of the function a mapping invokes; an unregistered one (the poller survives it) by its name. */
const functionArnOf = (lambda: LocalLambda, reference: string): string => {
  try {
    return lambda.resolve(reference).arn;
  } catch (error) {
    if (error instanceof LambdaFunctionNotFoundError) return lambda.functionArnOf(reference);
    throw error;
  }
};

/**
 * Starts a mapping and ties it to the Lambda service: it is listed in `lambda.eventSourceMappings` (so the Lambda
 * API's ListEventSourceMappings shows it) until it stops, and `lambda.stop()` stops it too (stopping twice is
 * harmless).
 */
export const startSqsEventSource = (
  sqs: LocalSqs,
  lambda: LocalLambda,
  spec: SqsEventSourceMappingSpec,
  options?: SqsEventSourceOptions,
): SqsEventSourceMapping => {
  const mapping = new SqsEventSourceMapping(sqs, lambda, spec, options);
  const unregister = lambda.eventSourceMappings.add({
    uuid: mapping.uuid,
    eventSourceArn: queueArnOf(sqs, spec.queue),
    functionArn: functionArnOf(lambda, spec.functionName),
    batchSize: mapping.batchSize,
    maximumBatchingWindowSeconds: mapping.windowSeconds,
    reportBatchItemFailures: spec.reportBatchItemFailures ?? false,
    lastModified: new Date(),
  });
  mapping.onStop(unregister);
  mapping.start();
  lambda.onStop(() => mapping.stop());
  return mapping;
};
