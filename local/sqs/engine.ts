/**
 * The local SQS's messages, with AWS's semantics: send with delays and attributes, receive with visibility timeouts
 * and long polling (answered as soon as a message arrives), redrive to the dead-letter queue after maxReceiveCount,
 * delete and visibility changes by receipt handle, and message move tasks out of a dead-letter queue.
 * The wire format is sqs-api.ts's; this file knows nothing of it.
 */
import { randomUUID } from 'node:crypto';
import { md5Hex, md5OfMessageAttributes } from './checksums';
import { invalidParameter, SqsError } from './errors';
import type { RedrivePolicy } from './queue-attributes';
import { QueueRegistry } from './queue-registry';
import {
  decodeHandle,
  encodeHandle,
  INVALID_BODY_CHARACTER,
  SENDER_ID,
  attributeSize,
  validateMessageAttributes,
  type MoveTask,
  type Queue,
  type ReceiveOptions,
  type ReceivedMessage,
  type SendOptions,
  type StoredMessage,
} from './messages';

export class SqsEngine extends QueueRegistry {
  // ---- messages -----------------------------------------------------------------------------------------------

  /** Validates and enqueues one message; answers its id. Throws (changing nothing) on invalid input. */
  async sendMessage(reference: string, body: string, options: SendOptions = {}): Promise<string> {
    return this.send(this.require(reference), body, options).messageId;
  }

  /** SendMessage with everything the API answers. */
  send(
    queue: Queue,
    body: string,
    options: SendOptions,
  ): { messageId: string; md5OfBody: string; md5OfMessageAttributes?: string } {
    if (typeof body !== 'string' || body.length === 0)
      throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (INVALID_BODY_CHARACTER.test(body)) {
      throw new SqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const messageAttributes = options.attributes ?? {};
    validateMessageAttributes(messageAttributes);
    const maximum = Number(queue.attributes.MaximumMessageSize);
    if (Buffer.byteLength(body) + attributeSize(messageAttributes) > maximum) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`,
      );
    }
    const delay = options.delaySeconds ?? Number(queue.attributes.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidParameter(
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
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
    this.persistence?.put(queue.name, QueueRegistry.persisted(message));
    if (delay > 0) this.scheduleWake(queue, delay * 1000);
    this.wake(queue);
    return {
      messageId: message.messageId,
      md5OfBody: message.md5OfBody,
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
    };
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
      throw invalidParameter(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const visibility = options.visibilityTimeoutSeconds;
    if (visibility !== undefined && (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200)) {
      throw invalidParameter(
        `Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    }
    const wait = options.waitTimeSeconds ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
      throw invalidParameter(
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
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
        if (this.stopped || this.queues.get(queue.name) !== queue) {
          finish([]);
          return;
        }
        this.expire(queue);
        const messages = this.receiveNow(queue, max, visibility);
        if (messages.length > 0) {
          finish(messages);
          return;
        }
        armNextVisibility();
      };
      const deadline = this.timer(wait * 1000, () =>
        finish(this.stopped ? [] : this.receiveNow(queue, max, visibility)),
      );
      queue.waiters.add(attempt);
      options.signal?.addEventListener('abort', abort, { once: true });
      armNextVisibility();
    });
  }

  protected nextVisibleAt(queue: Queue): number | undefined {
    const now = this.clock.now();
    let next: number | undefined;
    for (const message of queue.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
  }

  protected receiveNow(queue: Queue, max: number, visibilityOverride: number | undefined): ReceivedMessage[] {
    const now = this.clock.now();
    const visibility = visibilityOverride ?? Number(queue.attributes.VisibilityTimeout);
    const policy = this.redrivePolicyOf(queue);
    const received: ReceivedMessage[] = [];
    for (const message of [...queue.messages.values()]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (
        policy &&
        message.receiveCount >= policy.maxReceiveCount &&
        this.moveToDeadLetterQueue(queue, message, policy)
      )
        continue;
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
  protected moveToDeadLetterQueue(source: Queue, message: StoredMessage, policy: RedrivePolicy): boolean {
    const dlq = this.queues.get(QueueRegistry.queueNameOf(policy.deadLetterTargetArn) ?? '');
    if (!dlq) return false;
    this.enqueueMoved(dlq, message, source.arn);
    source.messages.delete(message.messageId);
    this.persistence?.remove(source.name, message.messageId);
    return true;
  }

  protected enqueueMoved(target: Queue, message: StoredMessage, deadLetterQueueSourceArn: string | undefined): void {
    const now = this.clock.now();
    const moved: StoredMessage = {
      ...message,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterQueueSourceArn,
    };
    target.messages.set(message.messageId, moved);
    this.persistence?.put(target.name, QueueRegistry.persisted(moved));
    this.wake(target);
  }

  protected toReceived(message: StoredMessage): ReceivedMessage {
    const attributes: Record<string, string> = {
      SenderId: SENDER_ID,
      SentTimestamp: String(message.sentTimestamp),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    };
    if (message.traceHeader !== undefined) attributes.AWSTraceHeader = message.traceHeader;
    if (message.messageGroupId !== undefined) attributes.MessageGroupId = message.messageGroupId;
    if (message.deadLetterQueueSourceArn !== undefined)
      attributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
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
  protected byHandle(queue: Queue, receiptHandle: string): { message?: StoredMessage; current: boolean } {
    if (typeof receiptHandle !== 'string' || receiptHandle.length === 0) {
      throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
    }
    const { queue: queueName, messageId } = decodeHandle(receiptHandle);
    if (queueName !== queue.name)
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
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
    if (message && current) {
      queue.messages.delete(message.messageId);
      this.persistence?.remove(queue.name, message.messageId);
    }
  }

  /** ChangeMessageVisibility; it does not count as a receive. A visibility of 0 makes the message available now. */
  async changeMessageVisibility(
    reference: string,
    receiptHandle: string,
    visibilityTimeoutSeconds: number,
  ): Promise<void> {
    const queue = this.require(reference);
    if (
      !Number.isInteger(visibilityTimeoutSeconds) ||
      visibilityTimeoutSeconds < 0 ||
      visibilityTimeoutSeconds > 43200
    ) {
      throw invalidParameter(
        `Value ${visibilityTimeoutSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    }
    const { message, current } = this.byHandle(queue, receiptHandle);
    if (!message || !current) {
      throw invalidParameter(
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
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
    const source = this.queues.get(QueueRegistry.queueNameOf(sourceArn ?? '') ?? '');
    if (!source || source.arn !== sourceArn)
      throw new SqsError(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      );
    if (this.deadLetterSourceQueues(source.name).length === 0) {
      throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
    }
    if (destinationArn !== undefined) {
      const destination = this.queues.get(QueueRegistry.queueNameOf(destinationArn) ?? '');
      if (!destination || destination.arn !== destinationArn)
        throw new SqsError(
          'ResourceNotFoundException',
          "The resource that you specified for the DestinationArn parameter doesn't exist.",
        );
      if (destination === source) throw invalidParameter('Source and destination queues must be different.');
    }
    if (
      maxNumberOfMessagesPerSecond !== undefined &&
      (!Number.isInteger(maxNumberOfMessagesPerSecond) ||
        maxNumberOfMessagesPerSecond < 1 ||
        maxNumberOfMessagesPerSecond > 500)
    ) {
      throw invalidParameter(
        'Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.',
      );
    }
    if (this.moveTasks.some((task) => task.sourceArn === sourceArn && task.status === 'RUNNING')) {
      throw new SqsError(
        'UnsupportedOperation',
        'There is already a task running. Only one active task is allowed for each source queue arn at a given time.',
      );
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

  protected runMoveTask(task: MoveTask, source: Queue): void {
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
      const target = targetArn === undefined ? undefined : this.queues.get(QueueRegistry.queueNameOf(targetArn) ?? '');
      if (!target) {
        task.status = 'FAILED';
        task.failureReason =
          targetArn === undefined
            ? `Message ${message.messageId} has no source queue to return to; give a DestinationArn.`
            : `The destination queue ${targetArn} does not exist.`;
        return;
      }
      this.enqueueMoved(target, { ...message, enqueuedAt: now, sentTimestamp: now }, undefined);
      source.messages.delete(message.messageId);
      this.persistence?.remove(source.name, message.messageId);
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
    const source = this.queues.get(QueueRegistry.queueNameOf(sourceArn ?? '') ?? '');
    if (!source || source.arn !== sourceArn)
      throw new SqsError(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      );
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10)
      throw invalidParameter('Value for parameter MaxResults is invalid. Reason: Must be between 1 and 10.');
    return this.moveTasks
      .filter((task) => task.sourceArn === sourceArn)
      .reverse()
      .slice(0, maxResults);
  }

  /** CancelMessageMoveTask: answers how many messages were moved before the cancel. */
  cancelMessageMoveTask(taskHandle: string): number {
    const task = this.moveTasks.find((candidate) => candidate.taskHandle === taskHandle);
    if (!task) throw new SqsError('ResourceNotFoundException', 'The task handle does not exist.');
    if (task.status !== 'RUNNING')
      throw new SqsError('UnsupportedOperation', `Only a RUNNING task can be cancelled; this one is ${task.status}.`);
    task.status = 'CANCELLED';
    return task.approximateNumberOfMessagesMoved;
  }
}
