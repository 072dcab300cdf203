/**
 * The X-Ray context a handler runs in during one invocation, wherever the handler runs (the local cloud's thread or
 * a handler worker thread, ../lambda/handler-worker.ts): the SDK configured as Lambda configures it, and a facade
 * segment of the invocation's own that parents the handler's subsegments under the function segment.
 *
 * In AWS each invocation has the SDK's facade segment to itself. Here several invocations share a thread, so each
 * runs in its own X-Ray (cls-hooked) context holding a facade of its own: concurrent invocations never share trace
 * data. The facade is never sent; it only parents the handler's subsegments.
 */
import AWSXRay from 'aws-xray-sdk-core';
import type { TraceContext } from './trace-header';

let configuredFor: string | undefined;

/**
 * Points the SDK at the daemon (the collector's UDP address) as Lambda's runtime does. Call it before any handler
 * module loads: a module's Tracer patches http globally when it loads, and SDK calls outside any invocation must not
 * log missing contexts.
 */
export const configureHandlerXRay = (daemonAddress: string): void => {
  if (configuredFor === daemonAddress) return;
  configuredFor = daemonAddress;
  AWSXRay.setDaemonAddress(daemonAddress);
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  // As the SDK does in Lambda: every closed subsegment is sent at once, since the facade itself is never sent.
  AWSXRay.setStreamingThreshold(0);
};

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

/**
 * Runs `work` in an X-Ray context of its own whose segment is the invocation's function segment (`segment.parentId`
 * is the function segment's id, as in the `Parent` of _X_AMZN_TRACE_ID).
 */
export const runInInvocationSegment = <T>(
  segment: Required<Pick<TraceContext, 'parentId'>> & TraceContext,
  work: () => Promise<T>,
): Promise<T> =>
  // Not runPromise: it leaves the context entered until the work settles, so whatever else runs meanwhile (another
  // invocation's poller, the API, a test) would see this invocation's segment. run() enters and leaves
  // synchronously; the work's own promises carry the context on.
  new Promise<T>((resolveWork, rejectWork) => {
    AWSXRay.getNamespace().run(() => {
      AWSXRay.setSegment(facadeSegment(segment.traceId, segment.parentId, segment.sampled));
      work().then(resolveWork, rejectWork);
    });
  });
