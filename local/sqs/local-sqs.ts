/**
 * The local SQS: standard queues held in memory, with AWS's semantics for visibility timeouts, delays, retention,
 * long polling (answered as soon as a message arrives), redrive to a dead-letter queue after maxReceiveCount, and
 * message move tasks. `LocalSqs` is both the in-process API other parts of the local cloud call and, through
 * `handle`, the SQS JSON API served on the edge.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { md5Hex, md5OfMessageAttributes, type MessageAttributeValue } from './checksums';
import { systemClock, type Clock } from './clock';
import { invalidParameter, queueDoesNotExist, SqsError } from './errors';
import {
  parseRedriveAllowPolicy,
  parseRedrivePolicy,
  SETTABLE_ATTRIBUTES,
  validateAttributes,
  type RedrivePolicy,
} from './queue-attributes';
import { handleSqsRequest } from './sqs-api';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalSqsOptions {
  readonly clock?: Clock;
  /** Defaults to AWS_REGION, then us-east-1. */
  readonly region?: string;
  /** The edge URL queue URLs start with for in-process callers (the API uses the request's Host). */
  readonly baseUrl?: string;
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

interface StoredMessage {
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

interface Queue {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  modifiedAt: number;
  attributes: Record<string, string>;
  readonly messages: Map<string, StoredMessage>;
  readonly waiters: Set<() => void>;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';

/** Characters SQS accepts in a body: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const encodeHandle = (queue: string, messageId: string): string =>
  Buffer.from(JSON.stringify({ q: queue, m: messageId, n: randomBytes(12).toString('hex') })).toString('base64url');

const decodeHandle = (handle: string): { queue: string; messageId: string } => {
  try {
    const parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8')) as { q?: unknown; m?: unknown };
    if (typeof parsed.q === 'string' && typeof parsed.m === 'string') return { queue: parsed.q, messageId: parsed.m };
  } catch (error) {
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, { cause: error });
  }
  throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
};

const attributeSize = (attributes: Readonly<Record<string, MessageAttributeValue>>): number =>
  Object.entries(attributes).reduce(
    (size, [name, value]) =>
      size + Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + (value.BinaryValue?.length ?? Buffer.byteLength(value.StringValue ?? '')),
    0,
  );

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;

const validateMessageAttributes = (attributes: Readonly<Record<string, MessageAttributeValue>>): void => {
  const names = Object.keys(attributes);
  if (names.length > 10) throw invalidParameter(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw invalidParameter(`Message (user) attribute name '${name}' is invalid.`);
    }
    if (!value || typeof value.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(value.DataType)) {
      throw invalidParameter(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    const binary = value.DataType.startsWith('Binary');
    if (binary ? value.BinaryValue === undefined : value.StringValue === undefined) {
      throw invalidParameter(`Message (user) attribute '${name}' must contain a non-empty value of type '${binary ? 'Binary' : 'String'}'.`);
    }
    if (value.DataType.startsWith('Number') && !Number.isFinite(Number(value.StringValue)) ) {
      throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
  }
};

/** The in-memory SQS. Create one per local cloud; call `stop()` to end long polls, move tasks and timers. */
export class LocalSqs implements ServiceEmulator {
  readonly signingNames = ['sqs'] as const;
  readonly region: string;
  private readonly clock: Clock;
  private baseUrl: string;
  private readonly queues = new Map<string, Queue>();
  /** Queues that are dead-letter queues by purpose though no RedrivePolicy names them (EventBridge target DLQs). */
  private readonly declaredDeadLetter = new Set<string>();
  private readonly moveTasks: MoveTask[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsubscribeClock: () => void;
  private stopped = false;

  constructor(options: LocalSqsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.baseUrl = options.baseUrl ?? 'http://127.0.0.1:4566';
    this.unsubscribeClock = this.clock.onAdvance(() => {
      for (const queue of this.queues.values()) this.wake(queue);
    });
  }

  /** The SQS JSON API on the edge. */
  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return handleSqsRequest(this, request);
  }

  /** Sets the origin of the queue URLs handed to in-process callers (once the edge knows its port). */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${LOCAL_ACCOUNT_ID}:${name}`;
  }

  queueUrl(name: string, baseUrl = this.baseUrl): string {
    return `${baseUrl}/${LOCAL_ACCOUNT_ID}/${name}`;
  }

  /** The queue a name, URL or ARN refers to; throws QueueDoesNotExist. */
  private require(reference: string): Queue {
    const name = LocalSqs.queueNameOf(reference);
    const queue = name === undefined ? undefined : this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    this.expire(queue);
    return queue;
  }

  /** The queue name in a name, queue URL or queue ARN. */
  static queueNameOf(reference: string): string | undefined {
    if (reference.startsWith('arn:')) return reference.split(':')[5];
    if (/^https?:\/\//.test(reference)) return reference.replace(/\/+$/, '').split('/').at(-1);
    return reference;
  }

  // ---- queues -------------------------------------------------------------------------------------------------

  /** CreateQueue: idempotent when the given attributes equal the existing queue's, QueueNameExists otherwise. */
  createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): { name: string; url: string; arn: string } {
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const given = validateAttributes(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      const differs = Object.entries(given).some(([key, value]) => (existing.attributes[key] ?? '') !== value);
      if (differs) throw new SqsError('QueueNameExists', 'A queue already exists with the same name and a different value for attribute(s)');
      return { name, url: this.queueUrl(name), arn: existing.arn };
    }
    this.checkRedrive(this.queueArn(name), given);
    const now = this.clock.now();
    const defaults = Object.fromEntries(Object.entries(SETTABLE_ATTRIBUTES).map(([key, spec]) => [key, spec.default]));
    this.queues.set(name, {
      name,
      arn: this.queueArn(name),
      createdAt: now,
      modifiedAt: now,
      attributes: { ...defaults, SqsManagedSseEnabled: 'false', ...given },
      messages: new Map(),
      waiters: new Set(),
    });
    return { name, url: this.queueUrl(name), arn: this.queueArn(name) };
  }

  /** Throws when a RedrivePolicy names a missing queue or one whose RedriveAllowPolicy refuses this source. */
  private checkRedrive(sourceArn: string, attributes: Readonly<Record<string, string>>): void {
    if (!attributes.RedrivePolicy) return;
    const policy = parseRedrivePolicy(attributes.RedrivePolicy);
    const target = this.queues.get(LocalSqs.queueNameOf(policy.deadLetterTargetArn) ?? '');
    if (!target || target.arn !== policy.deadLetterTargetArn) {
      throw invalidParameter(`Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
    }
    if (target.arn === sourceArn) throw invalidParameter('A queue cannot be its own dead-letter queue.');
    const allow = target.attributes.RedriveAllowPolicy ? parseRedriveAllowPolicy(target.attributes.RedriveAllowPolicy) : undefined;
    const allowed = !allow || allow.redrivePermission === 'allowAll' || (allow.redrivePermission === 'byQueue' && (allow.sourceQueueArns ?? []).includes(sourceArn));
    if (!allowed) {
      throw invalidParameter(`Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: The dead-letter queue's RedriveAllowPolicy does not allow this source queue.`);
    }
  }

  deleteQueue(reference: string): void {
    const queue = this.require(reference);
    this.queues.delete(queue.name);
    this.wake(queue);
  }

  getQueueUrl(name: string, baseUrl?: string): string {
    return this.queueUrl(this.require(name).name, baseUrl);
  }

  queueNames(prefix = ''): string[] {
    return [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Attribute values as GetQueueAttributes answers them, for the requested names ('All' for all). */
  getQueueAttributes(reference: string, names: readonly string[] = ['All']): Record<string, string> {
    const queue = this.require(reference);
    const depths = this.depthsOf(queue);
    const all: Record<string, string> = {
      ...queue.attributes,
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(depths.visible),
      ApproximateNumberOfMessagesNotVisible: String(depths.inFlight),
      ApproximateNumberOfMessagesDelayed: String(depths.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    };
    for (const key of Object.keys(all)) if (all[key] === '') delete all[key];
    if (names.includes('All')) return all;
    const known = new Set([...Object.keys(SETTABLE_ATTRIBUTES), 'RedrivePolicy', 'RedriveAllowPolicy', 'Policy', 'SqsManagedSseEnabled', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'CreatedTimestamp', 'LastModifiedTimestamp', 'FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
    const unknown = names.find((name) => !known.has(name));
    if (unknown !== undefined) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    return Object.fromEntries(names.filter((name) => all[name] !== undefined).map((name) => [name, all[name] as string]));
  }

  setQueueAttributes(reference: string, attributes: Readonly<Record<string, string>>): void {
    const queue = this.require(reference);
    const given = validateAttributes(attributes);
    this.checkRedrive(queue.arn, given);
    queue.attributes = { ...queue.attributes, ...given };
    queue.modifiedAt = this.clock.now();
    this.wake(queue);
  }

  /** The queues whose RedrivePolicy names this queue as dead-letter queue. */
  deadLetterSourceQueues(reference: string): string[] {
    const queue = this.require(reference);
    return [...this.queues.values()].filter((candidate) => this.redrivePolicyOf(candidate)?.deadLetterTargetArn === queue.arn).map((candidate) => candidate.name).sort();
  }

  private redrivePolicyOf(queue: Queue): RedrivePolicy | undefined {
    return queue.attributes.RedrivePolicy ? parseRedrivePolicy(queue.attributes.RedrivePolicy) : undefined;
  }

  /** Declares a queue a dead-letter queue by purpose (an EventBridge target DLQ, a Lambda on-failure destination). */
  markDeadLetter(name: string): void {
    this.require(name);
    this.declaredDeadLetter.add(name);
  }

  /** Every queue with its depths and whether it is a dead-letter queue, for the control plane. */
  listQueues(): QueueSummary[] {
    const dlqArns = new Set([...this.queues.values()].map((queue) => this.redrivePolicyOf(queue)?.deadLetterTargetArn).filter((arn): arn is string => arn !== undefined));
    return this.queueNames().map((name) => {
      const queue = this.require(name);
      return { name, url: this.queueUrl(name), arn: queue.arn, isDlq: dlqArns.has(queue.arn) || this.declaredDeadLetter.has(name), ...this.depthsOf(queue) };
    });
  }

  depths(reference: string): QueueDepths {
    return this.depthsOf(this.require(reference));
  }

  private depthsOf(queue: Queue): QueueDepths {
    const now = this.clock.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiptHandle === undefined) delayed += 1;
      else inFlight += 1;
    }
    return { visible, inFlight, delayed };
  }

  purgeQueue(reference: string): void {
    const queue = this.require(reference);
    queue.messages.clear();
  }

  /** Deletes every queue and forgets every move task (the control plane's reset). */
  clear(): void {
    for (const task of this.moveTasks) if (task.status === 'RUNNING') task.status = 'CANCELLED';
    this.moveTasks.length = 0;
    const queues = [...this.queues.values()];
    this.queues.clear();
    this.declaredDeadLetter.clear();
    for (const queue of queues) this.wake(queue);
  }

  // ---- messages -----------------------------------------------------------------------------------------------

  /** Validates and enqueues one message; answers its id. Throws (changing nothing) on invalid input. */
  async sendMessage(reference: string, body: string, options: SendOptions = {}): Promise<string> {
    return this.send(this.require(reference), body, options).messageId;
  }

  /** SendMessage with everything the API answers. */
  send(queue: Queue, body: string, options: SendOptions): { messageId: string; md5OfBody: string; md5OfMessageAttributes?: string } {
    if (typeof body !== 'string' || body.length === 0) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (INVALID_BODY_CHARACTER.test(body)) {
      throw new SqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
    }
    const messageAttributes = options.attributes ?? {};
    validateMessageAttributes(messageAttributes);
    const maximum = Number(queue.attributes.MaximumMessageSize);
    if (Buffer.byteLength(body) + attributeSize(messageAttributes) > maximum) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`);
    }
    const delay = options.delaySeconds ?? Number(queue.attributes.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidParameter(`Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
    }
    const now = this.clock.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5Hex(body),
      messageAttributes,
      messageGroupId: options.messageGroupId,
      traceHeader: options.traceHeader,
      enqueuedAt: now,
      sentTimestamp: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    queue.messages.set(message.messageId, message);
    if (delay > 0) this.scheduleWake(queue, delay * 1000);
    this.wake(queue);
    return { messageId: message.messageId, md5OfBody: message.md5OfBody, md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) };
  }

  /** Resolves a queue for the API layer (which then calls `send`). */
  queue(reference: string): Queue {
    return this.require(reference);
  }

  /**
   * ReceiveMessage: up to maxNumberOfMessages visible messages; when none is visible and a wait time is set, waits
   * until one is (a send, a visibility timeout or delay running out) or the wait time passes.
   */
  async receive(reference: string, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const queue = this.require(reference);
    const max = options.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalidParameter(`Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    const visibility = options.visibilityTimeoutSeconds;
    if (visibility !== undefined && (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200)) {
      throw invalidParameter(`Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`);
    }
    const wait = options.waitTimeSeconds ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
      throw invalidParameter(`Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    }
    const first = this.receiveNow(queue, max, visibility);
    if (first.length > 0 || wait === 0 || this.stopped || options.signal?.aborted) return first;
    return new Promise<ReceivedMessage[]>((resolve) => {
      let wakeTimer: NodeJS.Timeout | undefined;
      const finish = (messages: ReceivedMessage[]): void => {
        queue.waiters.delete(attempt);
        clearTimeout(deadline);
        this.timers.delete(deadline);
        if (wakeTimer) {
          clearTimeout(wakeTimer);
          this.timers.delete(wakeTimer);
        }
        options.signal?.removeEventListener('abort', abort);
        resolve(messages);
      };
      const abort = (): void => finish([]);
      const armNextVisibility = (): void => {
        const next = this.nextVisibleAt(queue);
        if (next === undefined) return;
        if (wakeTimer) {
          clearTimeout(wakeTimer);
          this.timers.delete(wakeTimer);
        }
        wakeTimer = this.timer(Math.max(0, next - this.clock.now()), attempt);
      };
      const attempt = (): void => {
        if (this.stopped || this.queues.get(queue.name) !== queue) return finish([]);
        this.expire(queue);
        const messages = this.receiveNow(queue, max, visibility);
        if (messages.length > 0) return finish(messages);
        armNextVisibility();
      };
      const deadline = this.timer(wait * 1000, () => finish(this.stopped ? [] : this.receiveNow(queue, max, visibility)));
      queue.waiters.add(attempt);
      options.signal?.addEventListener('abort', abort, { once: true });
      armNextVisibility();
    });
  }

  private nextVisibleAt(queue: Queue): number | undefined {
    const now = this.clock.now();
    let next: number | undefined;
    for (const message of queue.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
  }

  private receiveNow(queue: Queue, max: number, visibilityOverride: number | undefined): ReceivedMessage[] {
    const now = this.clock.now();
    const visibility = visibilityOverride ?? Number(queue.attributes.VisibilityTimeout);
    const policy = this.redrivePolicyOf(queue);
    const received: ReceivedMessage[] = [];
    for (const message of [...queue.messages.values()]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (policy && message.receiveCount >= policy.maxReceiveCount && this.moveToDeadLetterQueue(queue, message, policy)) continue;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + visibility * 1000;
      message.receiptHandle = encodeHandle(queue.name, message.messageId);
      received.push(this.toReceived(message));
    }
    if (received.length > 0 && visibility > 0) this.scheduleWake(queue, visibility * 1000);
    return received;
  }

  /** Moves an exhausted message to the DLQ; answers false (keeping it) when the DLQ no longer exists, as AWS does. */
  private moveToDeadLetterQueue(source: Queue, message: StoredMessage, policy: RedrivePolicy): boolean {
    const dlq = this.queues.get(LocalSqs.queueNameOf(policy.deadLetterTargetArn) ?? '');
    if (!dlq) return false;
    source.messages.delete(message.messageId);
    this.enqueueMoved(dlq, message, source.arn);
    return true;
  }

  private enqueueMoved(target: Queue, message: StoredMessage, deadLetterQueueSourceArn: string | undefined): void {
    const now = this.clock.now();
    target.messages.set(message.messageId, {
      ...message,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterQueueSourceArn,
    });
    this.wake(target);
  }

  private toReceived(message: StoredMessage): ReceivedMessage {
    const attributes: Record<string, string> = {
      SenderId: SENDER_ID,
      SentTimestamp: String(message.sentTimestamp),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    };
    if (message.traceHeader !== undefined) attributes.AWSTraceHeader = message.traceHeader;
    if (message.messageGroupId !== undefined) attributes.MessageGroupId = message.messageGroupId;
    if (message.deadLetterQueueSourceArn !== undefined) attributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      md5OfBody: message.md5OfBody,
      messageAttributes: message.messageAttributes,
      attributes,
    };
  }

  /** The message a receipt handle names in this queue, and whether the handle is its latest. */
  private byHandle(queue: Queue, receiptHandle: string): { message?: StoredMessage; current: boolean } {
    if (typeof receiptHandle !== 'string' || receiptHandle.length === 0) {
      throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
    }
    const { queue: queueName, messageId } = decodeHandle(receiptHandle);
    if (queueName !== queue.name) throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`);
    const message = queue.messages.get(messageId);
    return { message, current: message?.receiptHandle === receiptHandle };
  }

  /**
   * DeleteMessage. As AWS documents: a handle of a message already deleted succeeds; a handle older than the
   * message's latest receive succeeds without deleting it.
   */
  async deleteMessage(reference: string, receiptHandle: string): Promise<void> {
    const queue = this.require(reference);
    const { message, current } = this.byHandle(queue, receiptHandle);
    if (message && current) queue.messages.delete(message.messageId);
  }

  /** ChangeMessageVisibility; it does not count as a receive. A visibility of 0 makes the message available now. */
  async changeMessageVisibility(reference: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void> {
    const queue = this.require(reference);
    if (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds < 0 || visibilityTimeoutSeconds > 43200) {
      throw invalidParameter(`Value ${visibilityTimeoutSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    }
    const { message, current } = this.byHandle(queue, receiptHandle);
    if (!message || !current) {
      throw invalidParameter(`Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
    }
    const now = this.clock.now();
    if (message.visibleAt <= now) throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    if (visibilityTimeoutSeconds > 0) this.scheduleWake(queue, visibilityTimeoutSeconds * 1000);
    this.wake(queue);
  }

  // ---- move tasks ---------------------------------------------------------------------------------------------

  /** StartMessageMoveTask: moves the DLQ's available messages to DestinationArn, or each back to its source queue. */
  startMessageMoveTask(sourceArn: string, destinationArn?: string, maxNumberOfMessagesPerSecond?: number): string {
    const source = this.queues.get(LocalSqs.queueNameOf(sourceArn ?? '') ?? '');
    if (!source || source.arn !== sourceArn) throw new SqsError('ResourceNotFoundException', 'The resource that you specified for the SourceArn parameter doesn\'t exist.');
    if (this.deadLetterSourceQueues(source.name).length === 0) {
      throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
    }
    if (destinationArn !== undefined) {
      const destination = this.queues.get(LocalSqs.queueNameOf(destinationArn) ?? '');
      if (!destination || destination.arn !== destinationArn) throw new SqsError('ResourceNotFoundException', 'The resource that you specified for the DestinationArn parameter doesn\'t exist.');
      if (destination === source) throw invalidParameter('Source and destination queues must be different.');
    }
    if (maxNumberOfMessagesPerSecond !== undefined && (!Number.isInteger(maxNumberOfMessagesPerSecond) || maxNumberOfMessagesPerSecond < 1 || maxNumberOfMessagesPerSecond > 500)) {
      throw invalidParameter('Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.');
    }
    if (this.moveTasks.some((task) => task.sourceArn === sourceArn && task.status === 'RUNNING')) {
      throw new SqsError('UnsupportedOperation', 'There is already a task running. Only one active task is allowed for each source queue arn at a given time.');
    }
    const taskId = randomUUID();
    const task: MoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId, sourceArn })).toString('base64'),
      status: 'RUNNING',
      sourceArn,
      destinationArn,
      maxNumberOfMessagesPerSecond,
      approximateNumberOfMessagesMoved: 0,
      approximateNumberOfMessagesToMove: this.depthsOf(source).visible,
      startedTimestamp: this.clock.now(),
    };
    this.moveTasks.push(task);
    this.timer(0, () => this.runMoveTask(task, source));
    return task.taskHandle;
  }

  private runMoveTask(task: MoveTask, source: Queue): void {
    if (task.status !== 'RUNNING') return;
    if (this.queues.get(source.name) !== source) {
      task.status = 'FAILED';
      task.failureReason = 'The source queue was deleted.';
      return;
    }
    const now = this.clock.now();
    const slice = task.maxNumberOfMessagesPerSecond ?? 100;
    let moved = 0;
    for (const message of [...source.messages.values()]) {
      if (moved >= slice || task.approximateNumberOfMessagesMoved >= task.approximateNumberOfMessagesToMove) break;
      if (message.visibleAt > now) continue;
      const targetArn = task.destinationArn ?? message.deadLetterQueueSourceArn;
      const target = targetArn === undefined ? undefined : this.queues.get(LocalSqs.queueNameOf(targetArn) ?? '');
      if (!target) {
        task.status = 'FAILED';
        task.failureReason = targetArn === undefined ? `Message ${message.messageId} has no source queue to return to; give a DestinationArn.` : `The destination queue ${targetArn} does not exist.`;
        return;
      }
      source.messages.delete(message.messageId);
      this.enqueueMoved(target, { ...message, enqueuedAt: now, sentTimestamp: now }, undefined);
      task.approximateNumberOfMessagesMoved += 1;
      moved += 1;
    }
    const more = moved === slice && task.approximateNumberOfMessagesMoved < task.approximateNumberOfMessagesToMove;
    if (!more) {
      task.status = 'COMPLETED';
      return;
    }
    this.timer(task.maxNumberOfMessagesPerSecond === undefined ? 0 : 1000, () => this.runMoveTask(task, source));
  }

  /** The move tasks of a source queue, newest first. */
  listMessageMoveTasks(sourceArn: string, maxResults = 1): MoveTask[] {
    const source = this.queues.get(LocalSqs.queueNameOf(sourceArn ?? '') ?? '');
    if (!source || source.arn !== sourceArn) throw new SqsError('ResourceNotFoundException', 'The resource that you specified for the SourceArn parameter doesn\'t exist.');
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10) throw invalidParameter('Value for parameter MaxResults is invalid. Reason: Must be between 1 and 10.');
    return this.moveTasks.filter((task) => task.sourceArn === sourceArn).reverse().slice(0, maxResults);
  }

  /** CancelMessageMoveTask: answers how many messages were moved before the cancel. */
  cancelMessageMoveTask(taskHandle: string): number {
    const task = this.moveTasks.find((candidate) => candidate.taskHandle === taskHandle);
    if (!task) throw new SqsError('ResourceNotFoundException', 'The task handle does not exist.');
    if (task.status !== 'RUNNING') throw new SqsError('UnsupportedOperation', `Only a RUNNING task can be cancelled; this one is ${task.status}.`);
    task.status = 'CANCELLED';
    return task.approximateNumberOfMessagesMoved;
  }

  // ---- time -------------------------------------------------------------------------------------------------

  /** Drops messages older than the queue's MessageRetentionPeriod. */
  private expire(queue: Queue): void {
    const oldest = this.clock.now() - Number(queue.attributes.MessageRetentionPeriod) * 1000;
    for (const message of queue.messages.values()) if (message.enqueuedAt <= oldest) queue.messages.delete(message.messageId);
  }

  /** Lets the queue's long polls look again (a message arrived or became visible). */
  private wake(queue: Queue): void {
    for (const waiter of [...queue.waiters]) waiter();
  }

  private scheduleWake(queue: Queue, delayMs: number): void {
    if (queue.waiters.size > 0) this.timer(delayMs, () => this.wake(queue));
  }

  /** An unref'd timer that `stop()` clears. */
  private timer(delayMs: number, callback: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      if (!this.stopped) callback();
    }, delayMs);
    handle.unref();
    this.timers.add(handle);
    return handle;
  }

  /** Ends every long poll (with no messages), stops move tasks and clears every timer. */
  stop(): void {
    this.stopped = true;
    this.unsubscribeClock();
    for (const queue of this.queues.values()) this.wake(queue);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const task of this.moveTasks) if (task.status === 'RUNNING') task.status = 'CANCELLED';
  }
}
