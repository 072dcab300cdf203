/**
 * Keeps DynamoDB Local running under the local cloud (issue 15): when its JVM dies (killed, out of memory) it is
 * started again with the same data directory, and `afterRestart` puts back what the cloud needs (the tables; with
 * an in-memory table also the seed). Until then requests through the edge fail as an unreachable DynamoDB does,
 * which the API answers with 503. After `maxRestarts` in a row that failed to start, it stops trying and says so in
 * the log instead of restarting forever.
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
  /** Starts an instance; the real JVM by default (tests of the supervisor use the real one too). */
  readonly launch?: (options: DynamoDbLocalOptions) => Promise<DynamoDbLocal>;
}

export const superviseDynamoDbLocal = (first: DynamoDbLocal, options: SupervisorOptions): SupervisedDynamoDb => {
  const launch = options.launch ?? startDynamoDbLocal;
  let current = first;
  let stopping = false;
  let restarts = 0;
  let failedInARow = 0;

  const restart = async (): Promise<void> => {
    while (!stopping && failedInARow < (options.maxRestarts ?? 3)) {
      try {
        // The same port when it is free again, so clients holding the endpoint reconnect to it.
        const next = await launch({ ...options.start, port: current.port });
        if (stopping) {
          await next.stop();
          return;
        }
        current = next;
        restarts += 1;
        failedInARow = 0;
        await options.afterRestart(next.endpoint);
        options.log.info('DynamoDB Local restarted', { endpoint: next.endpoint, pid: next.pid, restarts });
        watch(next);
        return;
      } catch (error) {
        failedInARow += 1;
        options.log.error('DynamoDB Local could not be restarted', {
          attempt: failedInARow,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (!stopping)
      options.log.error('DynamoDB Local is down and was not restarted: stop the local cloud and start it again', {
        restarts,
      });
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
