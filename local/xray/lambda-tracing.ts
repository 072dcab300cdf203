/**
 * Active tracing for the local Lambda runtime, as AWS Lambda does it:
 *
 *  - every invocation gets a function segment (origin AWS::Lambda::Function, named after the function), continuing
 *    the caller's trace header (SQS AWSTraceHeader, a Step Functions task's header) or starting a trace;
 *  - the handler sees `_X_AMZN_TRACE_ID = Root=<trace>;Parent=<function segment>;Sampled=1`, so the X-Ray SDK (and
 *    the Powertools Tracer over it) hang their subsegments under the function segment and send them to the daemon;
 *  - the runtime, not the handler, sends the function segment once the invocation ends, with its error as a fault.
 *
 * In AWS each invocation has the SDK's facade segment to itself. Here several functions run in one process, so each
 * invocation runs in its own X-Ray (cls-hooked) context holding a facade of its own: concurrent invocations never
 * share trace data. The facade is never sent; it only parents the handler's subsegments.
 */
import AWSXRay from 'aws-xray-sdk-core';
import type { InvocationError, LambdaTracing, TracedInvocation } from '../lambda/local-lambda';
import type { SegmentDocument } from './segment-document';
import { continueOrStart, formatTraceHeader, newSegmentId } from './trace-header';

export interface LambdaTracingOptions {
  /** Where function segments go (the collector's TraceStore.add, in-process). */
  readonly emit: (document: SegmentDocument) => void;
  /** Where the handlers' X-Ray SDK sends its subsegments (the collector's UDP address). */
  readonly daemonAddress: string;
}

/** A facade segment for one invocation: accepts subsegments, is never closed, flushed or sent. */
const facadeSegment = (traceId: string, segmentId: string, sampled: boolean): AWSXRay.Segment => {
  const facade = new AWSXRay.Segment('facade', traceId);
  const mutable = facade as unknown as Record<string, unknown>;
  mutable.id = segmentId;
  mutable.notTraced = !sampled;
  mutable.counter = 1;
  for (const name of ['close', 'flush', 'incrementCounter', 'decrementCounter']) mutable[name] = () => undefined;
  return facade;
};

const cause = (error: InvocationError): Record<string, unknown> => ({
  exceptions: [{ id: newSegmentId(), type: error.errorType, message: error.errorMessage }],
});

/** The LambdaTracing the local cloud gives its LocalLambda. */
export const createLambdaTracing = (options: LambdaTracingOptions): LambdaTracing => {
  let configured = false;
  const configure = (): void => {
    if (configured) return;
    configured = true;
    AWSXRay.setDaemonAddress(options.daemonAddress);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    // As the SDK does in Lambda: every closed subsegment is sent at once, since the facade itself is never sent.
    AWSXRay.setStreamingThreshold(0);
  };
  // At once, not on the first invocation: a handler module's Tracer patches http globally when it loads, and the
  // local cloud's own SDK calls (table creation, seeding) outside any invocation must not log missing contexts.
  configure();
  return {
    begin: ({ functionName, functionArn, requestId, traceHeader }): TracedInvocation => {
      configure();
      const started = Date.now();
      const caller = continueOrStart(traceHeader, started);
      const segmentId = newSegmentId();
      return {
        traceHeader: formatTraceHeader({ traceId: caller.traceId, parentId: segmentId, sampled: caller.sampled }),
        run: <T>(work: () => Promise<T>): Promise<T> =>
          // Not runPromise: it leaves the context entered until the work settles, so whatever else runs meanwhile
          // (another invocation's poller, the API, a test) would see this invocation's segment. run() enters and leaves
          // synchronously; the work's own promises carry the context on.
          new Promise<T>((resolveWork, rejectWork) => {
            AWSXRay.getNamespace().run(() => {
              AWSXRay.setSegment(facadeSegment(caller.traceId, segmentId, caller.sampled));
              work().then(resolveWork, rejectWork);
            });
          }),
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
