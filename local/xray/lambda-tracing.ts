/**
 * Active tracing for the local Lambda runtime, as AWS Lambda does it:
 *
 *  - every invocation gets a function segment (origin AWS::Lambda::Function, named after the function), continuing
 *    the caller's trace header (SQS AWSTraceHeader, a Step Functions task's header) or starting a trace;
 *  - the handler sees `_X_AMZN_TRACE_ID = Root=<trace>;Parent=<function segment>;Sampled=1`, so the X-Ray SDK (and
 *    the Powertools Tracer over it) hang their subsegments under the function segment and send them to the daemon;
 *  - the runtime, not the handler, sends the function segment once the invocation ends, with its error as a fault.
 *
 * The handler's X-Ray context (its facade segment) is ./invocation-segment.ts's, shared with the handler worker
 * threads.
 */
import type { InvocationError, LambdaTracing, TracedInvocation } from '../lambda/local-lambda';
import { configureHandlerXRay, runInInvocationSegment } from './invocation-segment';
import type { SegmentDocument } from './segment-document';
import { continueOrStart, formatTraceHeader, newSegmentId } from './trace-header';

export interface LambdaTracingOptions {
  /** Where function segments go (the collector's TraceStore.add, in-process). */
  readonly emit: (document: SegmentDocument) => void;
  /** Where the handlers' X-Ray SDK sends its subsegments (the collector's UDP address). */
  readonly daemonAddress: string;
}

const cause = (error: InvocationError): Record<string, unknown> => ({
  exceptions: [{ id: newSegmentId(), type: error.errorType, message: error.errorMessage }],
});

/** The LambdaTracing the local cloud gives its LocalLambda. */
export const createLambdaTracing = (options: LambdaTracingOptions): LambdaTracing => {
  // At once, not on the first invocation: a handler module's Tracer patches http globally when it loads, and the
  // local cloud's own SDK calls (table creation, seeding) outside any invocation must not log missing contexts.
  configureHandlerXRay(options.daemonAddress);
  return {
    begin: ({ functionName, functionArn, requestId, traceHeader }): TracedInvocation => {
      const started = Date.now();
      const caller = continueOrStart(traceHeader, started);
      const segmentId = newSegmentId();
      return {
        traceHeader: formatTraceHeader({ traceId: caller.traceId, parentId: segmentId, sampled: caller.sampled }),
        run: <T>(work: () => Promise<T>): Promise<T> =>
          runInInvocationSegment({ traceId: caller.traceId, parentId: segmentId, sampled: caller.sampled }, work),
        end: ({ error }) => {
          if (!caller.sampled) return;
          options.emit({
            name: functionName,
            id: segmentId,
            trace_id: caller.traceId,
            ...(caller.parentId === undefined ? {} : { parent_id: caller.parentId }),
            start_time: started / 1000,
            end_time: Date.now() / 1000,
            origin: 'AWS::Lambda::Function',
            aws: { request_id: requestId, function_arn: functionArn },
            ...(error ? { fault: true, cause: cause(error) } : {}),
          });
        },
      };
    },
  };
};
