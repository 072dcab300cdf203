/**
 * Keeps DynamoDB Local running under the local cloud (issue 15): when its JVM dies (killed, out of memory) it is
 * started again with the same data directory — on the same port, or on a free one when that start fails (the edge's
 * proxy follows `endpoint()`) — and `afterRestart` puts back what the cloud needs (the tables; with an in-memory
 * table also the seed). Until then requests through the edge fail as an unreachable DynamoDB does, which the API
 * answers with 503. Each start waits `start.readyTimeoutMs` (a loaded machine needs more than the default 30 s).
 * After `maxRestarts` failed starts in a row it stops trying, logs why and calls `onGiveUp`, so the process that
 * owns the cloud can stop with that message instead of serving without a database.
 */
import { startDynamoDbLocal, type DynamoDbLocal, type DynamoDbLocalOptions } from './dynamodb-local';

export interface SupervisorLog {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface SupervisedDynamoDb {
  /** The running instance's endpoint (it changes when a restart takes another port). */
  endpoint(): string;
  /** The running JVM's PID. */
  pid(): number;
  /** How many times the JVM was started again. */
  restarts(): number;
  /** Stops supervising, then the JVM. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  readonly start?: DynamoDbLocalOptions;
  readonly log: SupervisorLog;
  /** What a fresh instance needs before it serves (create the tables; seed an in-memory one). */
  readonly afterRestart: (endpoint: string) => Promise<void>;
  readonly maxRestarts?: number;
  /** Milliseconds between failed starts, doubled each time; default 1000. */
  readonly retryDelayMs?: number;
  /** Called once when it stops trying, with what to tell the user. */
  readonly onGiveUp?: (message: string) => void;
  /** Starts an instance; the real JVM by default (tests of the supervisor use the real one too). */
  readonly launch?: (options: DynamoDbLocalOptions) => Promise<DynamoDbLocal>;
}

export const superviseDynamoDbLocal = (first: DynamoDbLocal, options: SupervisorOptions): SupervisedDynamoDb => {
  const launch = options.launch ?? startDynamoDbLocal;
  let current = first;
  let stopping = false;
  let restarts = 0;
  let failedInARow = 0;

  const maxRestarts = options.maxRestarts ?? 3;
  const giveUp = (message: string): void => {
    options.log.error(message, { restarts });
    options.onGiveUp?.(message);
  };
  const restart = async (): Promise<void> => {
    let lastError = '';
    while (failedInARow < maxRestarts) {
      if (failedInARow > 0)
        await new Promise((wake) => setTimeout(wake, (options.retryDelayMs ?? 1000) * 2 ** (failedInARow - 1)));
      if (stopping) return;
      let next: DynamoDbLocal;
      try {
        // The same port first, so clients holding the endpoint reconnect to it; any free port once that failed.
        const port = failedInARow === 0 ? current.port : undefined;
        next = await launch({ ...options.start, ...(port === undefined ? {} : { port }) });
      } catch (error) {
        failedInARow += 1;
        lastError = error instanceof Error ? error.message : String(error);
        options.log.error('DynamoDB Local could not be restarted', { attempt: failedInARow, error: lastError });
        continue;
      }
      if (stopping) {
        await next.stop();
        return;
      }
      current = next;
      restarts += 1;
      failedInARow = 0;
      watch(next);
      options.log.info('DynamoDB Local restarted', { endpoint: next.endpoint, pid: next.pid, restarts });
      try {
        // The JVM serves; what the cloud needs on it (tables, seed) is put back, or the cloud cannot go on.
        await options.afterRestart(next.endpoint);
      } catch (error) {
        if (!stopping)
          giveUp(
            `DynamoDB Local was restarted, but the local cloud could not set it up again: ${error instanceof Error ? error.message : String(error)}`,
          );
      }
      return;
    }
    if (!stopping)
      giveUp(`DynamoDB Local died and could not be started again (${maxRestarts} attempts; last: ${lastError})`);
  };

  const watch = (instance: DynamoDbLocal): void => {
    void instance.exited.then(() => {
      if (stopping || instance !== current) return;
      options.log.error('DynamoDB Local exited unexpectedly; restarting it', { pid: instance.pid });
      void restart();
    });
  };
  watch(first);

  return {
    endpoint: () => current.endpoint,
    pid: () => current.pid,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
};
