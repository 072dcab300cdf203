import fc from 'fast-check';
import { md5OfMessageAttributes } from './checksums';
import { ManualClock } from './clock';
import { LocalSqs } from './local-sqs';

const redrive = (sqs: LocalSqs, dlq: string, maxReceiveCount: number): string =>
  JSON.stringify({ deadLetterTargetArn: sqs.queueArn(dlq), maxReceiveCount });

describe('LocalSqs in-process API with a manual clock', () => {
  let clock: ManualClock;
  let sqs: LocalSqs;

  beforeEach(() => {
    clock = new ManualClock();
    sqs = new LocalSqs({ clock, region: 'us-east-1' });
  });
  afterEach(() => sqs.stop());

  it('hides a received message for the visibility timeout and hands it out again afterwards with a higher receive count', async () => {
    sqs.createQueue('q', { VisibilityTimeout: '30' });
    await sqs.sendMessage('q', 'hello');

    const [first] = await sqs.receive('q');
    const hidden = await sqs.receive('q');
    clock.advance(30_000);
    const [again] = await sqs.receive('q');

    expect(first?.attributes.ApproximateReceiveCount).toBe('1');
    expect(hidden).toEqual([]);
    expect(again?.messageId).toBe(first?.messageId);
    expect(again?.attributes.ApproximateReceiveCount).toBe('2');
    expect(again?.attributes.ApproximateFirstReceiveTimestamp).toBe(first?.attributes.ApproximateFirstReceiveTimestamp);
  });

  it('does not count ChangeMessageVisibility as a receive', async () => {
    sqs.createQueue('q');
    await sqs.sendMessage('q', 'hello');
    const [first] = await sqs.receive('q');

    await sqs.changeMessageVisibility('q', first?.receiptHandle ?? '', 0);
    const [again] = await sqs.receive('q');

    expect(again?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('counts delayed messages apart and releases them after the delay', async () => {
    sqs.createQueue('q', { DelaySeconds: '10' });
    await sqs.sendMessage('q', 'later');

    const before = sqs.depths('q');
    clock.advance(10_000);
    const after = sqs.depths('q');

    expect(before).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(after).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it('drops messages older than the retention period', async () => {
    sqs.createQueue('q', { MessageRetentionPeriod: '60' });
    await sqs.sendMessage('q', 'old');
    clock.advance(59_000);
    await sqs.sendMessage('q', 'young');

    clock.advance(1_000);
    const messages = await sqs.receive('q', { maxNumberOfMessages: 10 });

    expect(messages.map((message) => message.body)).toEqual(['young']);
  });

  it('moves a message to the DLQ on the receive that would exceed maxReceiveCount', async () => {
    sqs.createQueue('work-dlq');
    sqs.createQueue('work', { VisibilityTimeout: '0', RedrivePolicy: redrive(sqs, 'work-dlq', 2) });
    await sqs.sendMessage('work', 'poison');

    const receives = [await sqs.receive('work'), await sqs.receive('work'), await sqs.receive('work')];
    const [dead] = await sqs.receive('work-dlq');

    expect(receives.map((messages) => messages.length)).toEqual([1, 1, 0]);
    expect(dead?.body).toBe('poison');
    expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(sqs.queueArn('work'));
    expect(sqs.listQueues().map((queue) => [queue.name, queue.isDlq])).toEqual([
      ['work', false],
      ['work-dlq', true],
    ]);
  });

  it('lists a queue declared a dead-letter queue by purpose as a DLQ, and refuses to declare an unknown one', () => {
    sqs.createQueue('event-failures');
    sqs.createQueue('plain');

    sqs.markDeadLetter('event-failures');

    expect(sqs.listQueues().map((queue) => [queue.name, queue.isDlq])).toEqual([
      ['event-failures', true],
      ['plain', false],
    ]);
    expect(() => sqs.markDeadLetter('missing')).toThrow();
  });

  it('wakes a long poll when the manual clock moves past a visibility timeout', async () => {
    sqs.createQueue('q', { VisibilityTimeout: '30' });
    await sqs.sendMessage('q', 'hello');
    await sqs.receive('q');

    const stillWaiting = new AbortController();
    const polling = sqs.receive('q', { waitTimeSeconds: 20, signal: stillWaiting.signal });
    clock.advance(30_000);
    // A poll the advance did not wake would end now, empty: no wall-clock bound needed.
    stillWaiting.abort();
    const [again] = await polling;

    expect(again?.body).toBe('hello');
  });

  it('counts retention in the DLQ from when the message was first sent, as AWS does for standard queues', async () => {
    sqs.createQueue('work-dlq', { MessageRetentionPeriod: '120' });
    sqs.createQueue('work', { VisibilityTimeout: '0', RedrivePolicy: redrive(sqs, 'work-dlq', 1) });
    await sqs.sendMessage('work', 'poison');
    await sqs.receive('work');
    clock.advance(100_000);
    await sqs.receive('work');
    const inDlq = sqs.depths('work-dlq').visible;

    clock.advance(20_000);

    expect(inDlq).toBe(1);
    expect(sqs.depths('work-dlq').visible).toBe(0);
  });

  it('ignores a delete with a stale receipt handle, as AWS documents, and deletes with the latest one', async () => {
    sqs.createQueue('q', { VisibilityTimeout: '0' });
    await sqs.sendMessage('q', 'hello');
    const [first] = await sqs.receive('q');
    const [second] = await sqs.receive('q');

    await sqs.deleteMessage('q', first?.receiptHandle ?? '');
    const afterStale = sqs.depths('q').visible;
    await sqs.deleteMessage('q', second?.receiptHandle ?? '');

    expect(afterStale).toBe(1);
    expect(sqs.depths('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses to send a body with characters SQS rejects and keeps the queue empty', async () => {
    expect.assertions(2);
    sqs.createQueue('q');

    await sqs
      .sendMessage('q', 'bad \u0001 char')
      .catch((error: { code: string }) => expect(error.code).toBe('InvalidMessageContents'));

    expect(sqs.depths('q').visible).toBe(0);
  });

  it('keeps every sent message accounted for: visible + in flight + delayed = sent - deleted (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('send' as const), delay: fc.integer({ min: 0, max: 3 }) }),
            fc.record({
              kind: fc.constant('receive' as const),
              max: fc.integer({ min: 1, max: 10 }),
              visibility: fc.integer({ min: 0, max: 3 }),
            }),
            fc.record({ kind: fc.constant('delete' as const) }),
            fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 4 }) }),
          ),
          { maxLength: 40 },
        ),
        async (operations) => {
          const testClock = new ManualClock();
          const local = new LocalSqs({ clock: testClock });
          local.createQueue('p');
          let sent = 0;
          let deleted = 0;
          let handles: string[] = [];
          for (const operation of operations) {
            if (operation.kind === 'send') {
              await local.sendMessage('p', 'x', { delaySeconds: operation.delay });
              sent += 1;
            } else if (operation.kind === 'receive') {
              const messages = await local.receive('p', {
                maxNumberOfMessages: operation.max,
                visibilityTimeoutSeconds: operation.visibility,
              });
              handles.push(...messages.map((message) => message.receiptHandle));
            } else if (operation.kind === 'delete') {
              const before = local.depths('p');
              const handle = handles.pop();
              if (handle !== undefined) await local.deleteMessage('p', handle);
              const after = local.depths('p');
              deleted +=
                before.visible + before.inFlight + before.delayed - (after.visible + after.inFlight + after.delayed);
            } else {
              testClock.advance(operation.seconds * 1000);
              handles = handles.slice(-5);
            }
            const depths = local.depths('p');
            expect(depths.visible + depths.inFlight + depths.delayed).toBe(sent - deleted);
          }
          local.stop();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('md5OfMessageAttributes', () => {
  it('does not depend on the order the attributes were given in (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string()), {
          selector: ([name]) => name,
          minLength: 1,
          maxLength: 6,
        }),
        (pairs) => {
          const forward = Object.fromEntries(
            pairs.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
          );
          const backward = Object.fromEntries(
            [...pairs].reverse().map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
          );
          expect(md5OfMessageAttributes(forward)).toBe(md5OfMessageAttributes(backward));
        },
      ),
    );
  });

  it('matches a digest computed independently (Python) from the AWS encoding, string and binary attributes', () => {
    const attributes = {
      bin: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) },
      a: { DataType: 'String', StringValue: 'b' },
    };

    const digest = md5OfMessageAttributes(attributes);

    expect(digest).toBe('3cd3ad3a02e85be080c679d3446ca007');
  });
});
