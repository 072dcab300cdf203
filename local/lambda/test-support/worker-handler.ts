/**
 * A handler module for handler-pool.test.ts, loaded by entry path in the handler worker threads: each `event.kind`
 * shows one thing that must cross the thread boundary as it does in-process.
 */
import { threadId } from 'node:worker_threads';
import AWSXRay from 'aws-xray-sdk-core';

interface WorkerEvent {
  readonly kind: 'where' | 'environment' | 'fail' | 'crash' | 'sleep' | 'trace';
  readonly ms?: number;
}

interface Context {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** A business error, named as the saga's ASL matches it. */
class OutOfStockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfStockError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the module saw of process.env while it loaded (Lambda's init phase). */
const atLoad = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, colour: process.env.COLOUR };

export const handler = async (event: WorkerEvent, context: Context): Promise<unknown> => {
  switch (event.kind) {
    case 'where':
      return {
        threadId,
        requestId: context.awsRequestId,
        remainingMs: context.getRemainingTimeInMillis(),
        atLoad,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        at: new Date(0),
        missing: undefined,
      };
    case 'environment': {
      // A write to process.env, then a wait while other invocations run in the same worker.
      process.env.SEEN = process.env.COLOUR;
      await sleep(event.ms ?? 20);
      return { colour: process.env.COLOUR, seen: process.env.SEEN, functionName: process.env.AWS_LAMBDA_FUNCTION_NAME };
    }
    case 'fail':
      throw new OutOfStockError('Only 0 left of SKU-1');
    case 'crash':
      setImmediate(() => {
        throw new Error('a handler bug outside any promise');
      });
      await sleep(60_000);
      return 'never';
    case 'sleep':
      await sleep(event.ms ?? 100);
      return { threadId };
    case 'trace': {
      const parent = AWSXRay.getSegment();
      const subsegment = parent?.addNewSubsegment('## work');
      await sleep(5);
      subsegment?.close();
      return { header: process.env._X_AMZN_TRACE_ID, parentId: parent?.id, threadId };
    }
  }
};
