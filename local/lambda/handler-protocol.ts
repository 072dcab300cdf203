/**
 * What the local Lambda's engine and its handler worker threads (handler-pool.ts, handler-worker.ts) say to each
 * other. Everything crosses the thread boundary as Lambda's wire would carry it: the event as JSON data, the result
 * as the JSON text the handler's value serialises to, an error as errorType, errorMessage and the stack's lines.
 */
import type { HandlerModule, InvocationError, LambdaContext } from './types';

/** The data a worker starts with. */
export interface HandlerWorkerData {
  /** The X-Ray daemon the handlers' subsegments go to; absent: tracing is off. */
  readonly daemonAddress?: string;
  /** The nice value the worker's thread lowers itself to (0: none). */
  readonly niceness: number;
}

/** The context's data: the worker rebuilds getRemainingTimeInMillis from the deadline. */
export type ContextData = Omit<LambdaContext, 'getRemainingTimeInMillis' | 'callbackWaitsForEmptyEventLoop'> & {
  /** Milliseconds since the epoch at which the invocation times out. */
  readonly deadline: number;
};

export type WorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly module: HandlerModule }
  | {
      readonly type: 'invoke';
      readonly id: number;
      readonly entry: string;
      readonly event: unknown;
      readonly context: ContextData;
      /** The invocation's process.env, _X_AMZN_TRACE_ID included. */
      readonly environment: Readonly<Record<string, string>>;
      /** Whether the runtime traces the invocation: the handler then runs in a facade segment of the trace header. */
      readonly traced: boolean;
    };

export type WorkerReply =
  | { readonly type: 'loaded'; readonly id: number; readonly error?: InvocationError }
  | { readonly type: 'result'; readonly id: number; readonly json: string }
  | { readonly type: 'error'; readonly id: number; readonly error: InvocationError };

/** A handler's outcome as the engine takes it from a worker: the result as JSON made it, or the error. */
export type RemoteOutcome = { readonly result: unknown } | { readonly error: InvocationError };

/** What Lambda reports for a thrown value: an Error's name, message and stack; anything else as its JSON. */
export const toInvocationError = (error: unknown): InvocationError => {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
  }
  return {
    errorType: 'Error',
    errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
  };
};
