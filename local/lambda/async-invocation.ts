/**
 * Asynchronous invocations (InvocationType Event) as Lambda runs them: a failed attempt is retried after about one
 * minute and then two more, up to the function's MaximumRetryAttempts; an event older than MaximumEventAgeInSeconds
 * gets no further attempt; what is given up goes to the on-failure destination as AWS's invocation record. Without
 * this the local cloud would dead-letter on the first failure what AWS still retries, and a flaky schedule would look
 * broken locally and fine in AWS (or the reverse). Waits and age are multiplied by the engine's timeScale.
 */
import type {
  AsyncFailureCondition,
  AsyncInvocationOutcome,
  AsyncInvocationRecord,
  DestinationSink,
  EventInvokeConfig,
  InvocationResult,
} from './types';
import { LambdaInvalidParameterError } from './types';

/** Lambda's waits before the second and the third attempt, in seconds (documented as "one minute", "two minutes"). */
export const ASYNC_RETRY_WAITS_SECONDS = [60, 120] as const;

/** Rejects what PutFunctionEventInvokeConfig rejects. */
export const validateEventInvokeConfig = (config: EventInvokeConfig): void => {
  const { maximumRetryAttempts: retries, maximumEventAgeSeconds: age } = config;
  if (!Number.isInteger(retries) || retries < 0 || retries > 2)
    throw new LambdaInvalidParameterError(`MaximumRetryAttempts must be 0 to 2, not ${String(retries)}`);
  if (!Number.isInteger(age) || age < 60 || age > 21600)
    throw new LambdaInvalidParameterError(`MaximumEventAgeInSeconds must be 60 to 21600, not ${String(age)}`);
};

export interface AsyncInvocation {
  /** The function's ARN qualified with the version that runs (`...:$LATEST`), as the record names it. */
  readonly functionArn: string;
  /** The event as JSON made it. */
  readonly payload: unknown;
  readonly requestId: string;
  readonly config: EventInvokeConfig;
  readonly timeScale: number;
  /** One attempt: runs the handler once. */
  attempt(): Promise<InvocationResult>;
  sleep(ms: number): Promise<void>;
  readonly destinations?: DestinationSink;
  /** The clock the event's age is read from; default Date.now. */
  readonly now?: () => number;
}

const record = (
  invocation: AsyncInvocation,
  condition: AsyncFailureCondition,
  attempts: number,
  outcome: InvocationResult,
): AsyncInvocationRecord => ({
  version: '1.0',
  timestamp: new Date().toISOString(),
  requestContext: {
    requestId: invocation.requestId,
    functionArn: invocation.functionArn,
    condition,
    approximateInvokeCount: attempts,
  },
  requestPayload: invocation.payload,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: outcome.error ?? { errorType: 'Error', errorMessage: 'unknown' },
});

/** Runs the attempts of one asynchronous invocation; answers once it succeeded or was given up (and recorded). */
export const runAsyncInvocation = async (invocation: AsyncInvocation): Promise<AsyncInvocationOutcome> => {
  const { config, timeScale } = invocation;
  const now = invocation.now ?? Date.now;
  const enqueuedAt = now();
  const maximumAgeMs = config.maximumEventAgeSeconds * 1000 * timeScale;
  let attempts = 0;
  for (;;) {
    const outcome = await invocation.attempt();
    attempts += 1;
    if (!outcome.error) return { ...outcome, attempts };
    let condition: AsyncFailureCondition | undefined;
    if (attempts > config.maximumRetryAttempts) condition = 'RetriesExhausted';
    else {
      const waitMs = (ASYNC_RETRY_WAITS_SECONDS[attempts - 1] ?? 120) * 1000 * timeScale;
      if (now() + waitMs - enqueuedAt > maximumAgeMs) condition = 'EventAgeExceeded';
      else {
        await invocation.sleep(waitMs);
        continue;
      }
    }
    const destination = config.onFailureDestination;
    if (destination === undefined || invocation.destinations === undefined) return { ...outcome, attempts, condition };
    try {
      await invocation.destinations(destination, record(invocation, condition, attempts, outcome));
      return { ...outcome, attempts, condition };
    } catch (destinationError) {
      return { ...outcome, attempts, condition, destinationError };
    }
  }
};
