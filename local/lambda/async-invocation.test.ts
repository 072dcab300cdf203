/**
 * Asynchronous invocations retry as Lambda does: through the unmodified SDK v3 client (Invoke with InvocationType
 * Event) against the local Lambda and SQS on one edge, a function failing twice then succeeding runs three times and
 * is not dead-lettered; one always failing runs three times and its on-failure queue receives AWS's invocation
 * record. The retry schedule and the event age are checked on runAsyncInvocation with a recorded clock.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalSqs } from '../sqs/local-sqs';
import { ASYNC_RETRY_WAITS_SECONDS, runAsyncInvocation } from './async-invocation';
import { LocalLambda } from './local-lambda';
import type { InvocationResult } from './types';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

class FlakyDependencyError extends Error {
  constructor() {
    super('the dependency is down');
    this.name = 'FlakyDependencyError';
  }
}

describe('asynchronous invocations through the unmodified SDK v3 client', () => {
  let sqs: LocalSqs;
  let lambda: LocalLambda;
  let edge: RunningEdge;
  let lambdaClient: LambdaClient;
  let sqsClient: SQSClient;
  const attempts = new Map<string, number>();
  const count = (name: string): number => {
    const next = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, next);
    return next;
  };
  let flakySucceeded: () => void = () => undefined;

  /** The next records of the failure queue, waiting for them (long polls, never a fixed sleep). */
  const receiveRecords = async (): Promise<Record<string, unknown>[]> => {
    const { Messages } = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('failures'), WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );
    return (Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
  };

  beforeAll(async () => {
    sqs = new LocalSqs({ region });
    const failures = sqs.createQueue('failures');
    // 60 s and 120 s between attempts become 6 and 12 ms.
    lambda = new LocalLambda({
      region,
      timeScale: 0.0001,
      destinations: async (arn, record) => {
        await sqs.sendMessage(arn.split(':').at(-1) ?? '', JSON.stringify(record));
      },
    });
    lambda.register({
      name: 'flaky',
      handler: async () => {
        if (count('flaky') <= 2) throw new FlakyDependencyError();
        flakySucceeded();
        return { ok: true };
      },
    });
    lambda.register({
      name: 'broken',
      handler: async () => {
        count('broken');
        throw new FlakyDependencyError();
      },
    });
    lambda.register({
      name: 'sentinel',
      handler: async () => {
        throw new Error('sentinel');
      },
    });
    const config = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600, onFailureDestination: failures.arn };
    lambda.putEventInvokeConfig('flaky', config);
    lambda.putEventInvokeConfig('broken', config);
    lambda.putEventInvokeConfig('sentinel', { ...config, maximumRetryAttempts: 0 });
    edge = await startEdge({ services: [sqs, lambda] });
    sqs.setBaseUrl(edge.url);
    lambdaClient = new LambdaClient({ endpoint: edge.url, region, credentials });
    sqsClient = new SQSClient({ endpoint: edge.url, region, credentials });
  });
  afterAll(async () => {
    lambdaClient.destroy();
    sqsClient.destroy();
    await lambda.stop();
    sqs.stop();
    await edge.close();
  });

  it('runs a function that fails twice three times and does not dead-letter it', async () => {
    const succeeded = new Promise<void>((resolve) => {
      flakySucceeded = resolve;
    });

    const answer = await lambdaClient.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: JSON.stringify({ n: 1 }) }),
    );
    await succeeded;
    // A record of flaky would be written as its last attempt ends, before this invocation's record.
    await lambdaClient.send(new InvokeCommand({ FunctionName: 'sentinel', InvocationType: 'Event', Payload: '{}' }));
    const records = await receiveRecords();

    expect(answer.StatusCode).toBe(202);
    expect(attempts.get('flaky')).toBe(3);
    expect(records.map((record) => (record.requestContext as { functionArn: string }).functionArn)).toEqual([
      `${lambda.functionArn('sentinel')}:$LATEST`,
    ]);
  });

  it('runs an always failing function three times, then sends AWS invocation record to its on-failure queue', async () => {
    const answer = await lambdaClient.send(
      new InvokeCommand({ FunctionName: 'broken', InvocationType: 'Event', Payload: JSON.stringify({ order: 'o-1' }) }),
    );
    const [record] = await receiveRecords();

    expect(attempts.get('broken')).toBe(3);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestContext: {
        requestId: answer.$metadata.requestId,
        functionArn: `${lambda.functionArn('broken')}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { order: 'o-1' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'FlakyDependencyError',
        errorMessage: 'the dependency is down',
        trace: expect.any(Array),
      },
    });
  });
});

describe('runAsyncInvocation', () => {
  const failed: InvocationResult = { requestId: 'r-1', error: { errorType: 'Boom', errorMessage: 'boom' } };
  const scripted = (maximumRetryAttempts: number, maximumEventAgeSeconds: number) => {
    let clock = 0;
    const waits: number[] = [];
    const delivered: unknown[] = [];
    return {
      waits,
      delivered,
      run: () =>
        runAsyncInvocation({
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
          payload: {},
          requestId: 'r-1',
          config: { maximumRetryAttempts, maximumEventAgeSeconds, onFailureDestination: 'arn:aws:sqs:q' },
          timeScale: 0.5,
          attempt: async () => failed,
          sleep: async (ms) => {
            waits.push(ms);
            clock += ms;
          },
          now: () => clock,
          destinations: async (_arn, record) => {
            delivered.push(record);
          },
        }),
    };
  };

  it('waits one minute, then two, scaled by timeScale, between the three attempts', async () => {
    const invocation = scripted(2, 21600);

    const outcome = await invocation.run();

    expect(ASYNC_RETRY_WAITS_SECONDS).toEqual([60, 120]);
    expect(invocation.waits).toEqual([30_000, 60_000]);
    expect(outcome).toMatchObject({ attempts: 3, condition: 'RetriesExhausted' });
  });

  it('makes no retry with MaximumRetryAttempts 0', async () => {
    const invocation = scripted(0, 21600);

    const outcome = await invocation.run();

    expect(invocation.waits).toEqual([]);
    expect(outcome).toMatchObject({ attempts: 1, condition: 'RetriesExhausted' });
  });

  it('gives an event up as EventAgeExceeded when the next attempt would start past its maximum age', async () => {
    // Age 90 s at scale 0.5 is 45 s of the clock: the first wait (30 s) fits, the second (60 s) does not.
    const invocation = scripted(2, 90);

    const outcome = await invocation.run();

    expect(outcome).toMatchObject({ attempts: 2, condition: 'EventAgeExceeded' });
    expect(invocation.delivered).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'EventAgeExceeded', approximateInvokeCount: 2 }),
      }),
    ]);
  });
});
