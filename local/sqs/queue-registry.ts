/**
 * The local SQS's queues: creation with AWS's attribute validation, redrive and redrive-allow policies, queue URLs
 * and ARNs, depths, purge, and the timers and long-poll wake-ups every queue shares. Messages live in SqsEngine.
 */
import { systemClock, type Clock } from './clock';
import { invalidParameter, queueDoesNotExist, SqsError } from './errors';
import {
  parseRedriveAllowPolicy,
  parseRedrivePolicy,
  SETTABLE_ATTRIBUTES,
  validateAttributes,
  type RedrivePolicy,
} from './queue-attributes';
import {
  LOCAL_ACCOUNT_ID,
  QUEUE_NAME,
  type LocalSqsOptions,
  type MoveTask,
  type Queue,
  type QueueDepths,
  type QueueSummary,
  type StoredMessage,
} from './messages';
import type { MessagePersistence, PersistedMessage } from './persistence';

export abstract class QueueRegistry {
  readonly region: string;
  protected readonly clock: Clock;
  protected baseUrl: string;
  protected readonly queues = new Map<string, Queue>();
  /** Queues that are dead-letter queues by purpose though no RedrivePolicy names them (EventBridge target DLQs). */
  protected readonly declaredDeadLetter = new Set<string>();
  protected readonly moveTasks: MoveTask[] = [];
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected readonly unsubscribeClock: () => void;
  protected stopped = false;
  protected readonly persistence?: MessagePersistence;

  constructor(options: LocalSqsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.persistence = options.persistence;
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.baseUrl = options.baseUrl ?? 'http://127.0.0.1:4566';
    this.unsubscribeClock = this.clock.onAdvance(() => {
      for (const queue of this.queues.values()) this.wake(queue);
    });
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
  protected require(reference: string): Queue {
    const name = QueueRegistry.queueNameOf(reference);
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
  createQueue(
    name: string,
    attributes: Readonly<Record<string, string>> = {},
  ): { name: string; url: string; arn: string } {
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const given = validateAttributes(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      const differs = Object.entries(given).some(([key, value]) => (existing.attributes[key] ?? '') !== value);
      if (differs)
        throw new SqsError(
          'QueueNameExists',
          'A queue already exists with the same name and a different value for attribute(s)',
        );
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
      messages: new Map(this.restored(name, now).map((message) => [message.messageId, message])),
      waiters: new Set(),
    });
    return { name, url: this.queueUrl(name), arn: this.queueArn(name) };
  }

  /** What an earlier run left in the queue: visible now, never received (their in-flight receives died with it). */
  private restored(name: string, now: number): StoredMessage[] {
    return (this.persistence?.load(name) ?? []).map((message) => ({ ...message, visibleAt: now, receiveCount: 0 }));
  }

  /** The part of a message the persistence keeps. */
  protected static persisted(message: StoredMessage): PersistedMessage {
    return {
      messageId: message.messageId,
      body: message.body,
      md5OfBody: message.md5OfBody,
      messageAttributes: message.messageAttributes,
      ...(message.messageGroupId === undefined ? {} : { messageGroupId: message.messageGroupId }),
      ...(message.traceHeader === undefined ? {} : { traceHeader: message.traceHeader }),
      enqueuedAt: message.enqueuedAt,
      sentTimestamp: message.sentTimestamp,
      ...(message.deadLetterQueueSourceArn === undefined
        ? {}
        : { deadLetterQueueSourceArn: message.deadLetterQueueSourceArn }),
    };
  }

  /** Throws when a RedrivePolicy names a missing queue or one whose RedriveAllowPolicy refuses this source. */
  protected checkRedrive(sourceArn: string, attributes: Readonly<Record<string, string>>): void {
    if (!attributes.RedrivePolicy) return;
    const policy = parseRedrivePolicy(attributes.RedrivePolicy);
    const target = this.queues.get(QueueRegistry.queueNameOf(policy.deadLetterTargetArn) ?? '');
    if (!target || target.arn !== policy.deadLetterTargetArn) {
      throw invalidParameter(
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    }
    if (target.arn === sourceArn) throw invalidParameter('A queue cannot be its own dead-letter queue.');
    const allow = target.attributes.RedriveAllowPolicy
      ? parseRedriveAllowPolicy(target.attributes.RedriveAllowPolicy)
      : undefined;
    const allowed =
      !allow ||
      allow.redrivePermission === 'allowAll' ||
      (allow.redrivePermission === 'byQueue' && (allow.sourceQueueArns ?? []).includes(sourceArn));
    if (!allowed) {
      throw invalidParameter(
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: The dead-letter queue's RedriveAllowPolicy does not allow this source queue.`,
      );
    }
  }

  deleteQueue(reference: string): void {
    const queue = this.require(reference);
    this.queues.delete(queue.name);
    this.persistence?.clear(queue.name);
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
    const known = new Set([
      ...Object.keys(SETTABLE_ATTRIBUTES),
      'RedrivePolicy',
      'RedriveAllowPolicy',
      'Policy',
      'SqsManagedSseEnabled',
      'KmsMasterKeyId',
      'KmsDataKeyReusePeriodSeconds',
      'QueueArn',
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
      'CreatedTimestamp',
      'LastModifiedTimestamp',
      'FifoQueue',
      'ContentBasedDeduplication',
      'DeduplicationScope',
      'FifoThroughputLimit',
    ]);
    const unknown = names.find((name) => !known.has(name));
    if (unknown !== undefined) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    return Object.fromEntries(
      names.filter((name) => all[name] !== undefined).map((name) => [name, all[name] as string]),
    );
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
    return [...this.queues.values()]
      .filter((candidate) => this.redrivePolicyOf(candidate)?.deadLetterTargetArn === queue.arn)
      .map((candidate) => candidate.name)
      .sort();
  }

  protected redrivePolicyOf(queue: Queue): RedrivePolicy | undefined {
    return queue.attributes.RedrivePolicy ? parseRedrivePolicy(queue.attributes.RedrivePolicy) : undefined;
  }

  /** Declares a queue a dead-letter queue by purpose (an EventBridge target DLQ, a Lambda on-failure destination). */
  markDeadLetter(name: string): void {
    this.require(name);
    this.declaredDeadLetter.add(name);
  }

  /** Every queue with its depths and whether it is a dead-letter queue, for the control plane. */
  listQueues(): QueueSummary[] {
    const dlqArns = new Set(
      [...this.queues.values()]
        .map((queue) => this.redrivePolicyOf(queue)?.deadLetterTargetArn)
        .filter((arn): arn is string => arn !== undefined),
    );
    return this.queueNames().map((name) => {
      const queue = this.require(name);
      return {
        name,
        url: this.queueUrl(name),
        arn: queue.arn,
        isDlq: dlqArns.has(queue.arn) || this.declaredDeadLetter.has(name),
        ...this.depthsOf(queue),
      };
    });
  }

  depths(reference: string): QueueDepths {
    return this.depthsOf(this.require(reference));
  }

  protected depthsOf(queue: Queue): QueueDepths {
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
    this.persistence?.clear(queue.name);
  }

  /** Deletes every queue and forgets every move task (the control plane's reset). */
  clear(): void {
    for (const task of this.moveTasks) if (task.status === 'RUNNING') task.status = 'CANCELLED';
    this.moveTasks.length = 0;
    const queues = [...this.queues.values()];
    this.queues.clear();
    this.declaredDeadLetter.clear();
    for (const queue of queues) {
      this.persistence?.clear(queue.name);
      this.wake(queue);
    }
  }

  // ---- time -------------------------------------------------------------------------------------------------

  /** Drops messages older than the queue's MessageRetentionPeriod. */
  protected expire(queue: Queue): void {
    const oldest = this.clock.now() - Number(queue.attributes.MessageRetentionPeriod) * 1000;
    for (const message of queue.messages.values()) {
      if (message.enqueuedAt > oldest) continue;
      queue.messages.delete(message.messageId);
      this.persistence?.remove(queue.name, message.messageId);
    }
  }

  /** Lets the queue's long polls look again (a message arrived or became visible). */
  protected wake(queue: Queue): void {
    for (const waiter of [...queue.waiters]) waiter();
  }

  protected scheduleWake(queue: Queue, delayMs: number): void {
    if (queue.waiters.size > 0) this.timer(delayMs, () => this.wake(queue));
  }

  /** An unref'd timer that `stop()` clears. */
  protected timer(delayMs: number, callback: () => void): NodeJS.Timeout {
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
