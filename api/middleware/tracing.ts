/**
 * X-Ray tracing for the API (aws-xray-sdk-core, as on Fargate with the X-Ray daemon sidecar): one segment per
 * request, continuing an incoming X-Amzn-Trace-Id, with the HTTP request and status, error (4xx), throttle (429) and
 * fault (5xx) flags and the `orderId` annotation on requests that act on an order (not on reads, which would
 * otherwise each be one more trace found by the order's annotation); AWS SDK calls become subsegments (`traceAwsClients`), and PutEvents
 * entries carry the trace header so the trace continues through EventBridge, SQS, Step Functions and the Lambdas.
 * The daemon is AWS_XRAY_DAEMON_ADDRESS (default 127.0.0.1:2000); AWS_XRAY_CONTEXT_MISSING is honoured by the SDK.
 * Sampling (XRAY_SAMPLING, api/config.ts) is decided before anything is recorded: a request that is not sampled gets
 * no segment and no X-Ray context at all, only its `Root=...;Sampled=0` header, since a segment that is never sent
 * still costs its subsegments and the context's async hooks (docs/decisions.md, "Tracing that costs little").
 */
import { randomBytes } from 'node:crypto';
import AWSXRay from 'aws-xray-sdk-core';
import type { Middleware } from 'koa';
import { ORDER_ID_PATTERN } from '../../core/domain/ids';
import { answerOf } from './error-handler';
import type { TracingSampling } from '../config';
import type { AppState } from '../types';

/** The trace header of the current (sub)segment, for a hop the SDK does not propagate itself; undefined outside a trace. */
export const currentTraceHeader = (): string | undefined => {
  const current = AWSXRay.getSegment();
  if (current === undefined) return undefined;
  const traceId =
    'segment' in current && current.segment ? current.segment.trace_id : (current as AWSXRay.Segment).trace_id;
  return `Root=${traceId};Parent=${current.id};Sampled=${(current as { notTraced?: boolean }).notTraced ? 0 : 1}`;
};

interface TraceableClient {
  readonly middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string }): void };
}

/** Captures SDK v3 clients (one subsegment per call) and makes PutEvents carry the trace header in every entry. */
export const traceAwsClients = (...clients: TraceableClient[]): void => {
  for (const client of clients) {
    AWSXRay.captureAWSv3Client(client as never);
    client.middlewareStack.add(
      (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: { input: unknown }) => {
          const input = args.input as { Entries?: { TraceHeader?: string }[] };
          const header = context.commandName === 'PutEventsCommand' ? currentTraceHeader() : undefined;
          if (header === undefined || !Array.isArray(input.Entries)) return next(args);
          return next({
            ...args,
            input: { ...input, Entries: input.Entries.map((entry) => ({ TraceHeader: header, ...entry })) },
          });
        },
      { step: 'initialize', name: 'xrayPutEventsTraceHeader' },
    );
  }
};

const ORDER_ID = ORDER_ID_PATTERN;

const orderIdOf = (params: Record<string, string> | undefined, body: unknown): string | undefined => {
  const fromPath = params?.id;
  if (fromPath !== undefined && ORDER_ID.test(fromPath)) return fromPath;
  const fromBody = body !== null && typeof body === 'object' ? (body as { orderId?: unknown }).orderId : undefined;
  return typeof fromBody === 'string' && ORDER_ID.test(fromBody) ? fromBody : undefined;
};

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT_ID = /^[0-9a-f]{16}$/;

/** The trace an incoming X-Amzn-Trace-Id continues; a header without a valid Root starts a new trace, as in AWS. */
const incomingTrace = (header: string): { root?: string; parent?: string; sampled?: string } => {
  const data = AWSXRay.utils.processTraceData(header);
  if (data.root === undefined || !TRACE_ID.test(data.root)) return {};
  return {
    root: data.root,
    ...(data.parent !== undefined && SEGMENT_ID.test(data.parent) ? { parent: data.parent } : {}),
    ...(data.sampled === undefined ? {} : { sampled: data.sampled }),
  };
};

/**
 * Runs `work` in a new X-Ray context holding `segment`. Not the namespace's runPromise: it leaves the context entered
 * until the work settles, so another request handled meanwhile would see this request's segment.
 */
const inSegment = <T>(segment: AWSXRay.Segment, work: () => Promise<T>): Promise<T> =>
  new Promise<T>((resolveWork, rejectWork) => {
    AWSXRay.getNamespace().run(() => {
      AWSXRay.setSegment(segment);
      work().then(resolveWork, rejectWork);
    });
  });

/** Query parameters that carry a credential (the live feed's `access_token`): never written into a segment. */
const CREDENTIAL_PARAMETERS = ['access_token'];

/** The request URL for the segment, with credential parameters redacted; the whole query dropped if it will not parse. */
const redactedUrl = (raw: string): string => {
  const queryAt = raw.indexOf('?');
  if (queryAt === -1) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.slice(0, queryAt);
  }
  for (const name of CREDENTIAL_PARAMETERS) if (url.searchParams.has(name)) url.searchParams.set(name, 'REDACTED');
  return url.toString();
};

/** Methods that act on an order; reads of an order are traced but not annotated, so its annotation finds its own path. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The SDK's sampler (mw_utils): answers true, false or the name of the rule that sampled the request. */
interface Sampler {
  shouldSample(request: { host?: string; httpMethod: string; urlPath: string; serviceName: string }): boolean | string;
}
const sdkSampler = (): Sampler => (AWSXRay.middleware as unknown as { sampler: Sampler }).sampler;

/**
 * Sets the SDK's sampler for the mode, once at start: `local` stops it polling the account's rules (its local
 * default rules decide: 1 request/s, then 5%); `centralized` keeps the SDK's default sampler, which polls them.
 */
export const configureSampling = (mode: TracingSampling | undefined): void => {
  if (mode === 'local') AWSXRay.middleware.disableCentralizedSampling();
};

/** A new X-Ray trace id (`1-<epoch seconds, hex>-<96 random bits>`), for the header of a request that is not traced. */
const newTraceId = (): string => `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

/** Whether to trace this request: the caller's decision when it sent one, else the mode's. */
const sampledBy = (
  mode: Exclude<TracingSampling, 'off'>,
  incoming: { sampled?: string },
  request: { host?: string; method: string; path: string; serviceName: string },
): boolean => {
  if (incoming.sampled === '1') return true;
  if (incoming.sampled === '0') return false;
  if (mode === 'all') return true;
  const decision = sdkSampler().shouldSample({
    host: request.host,
    httpMethod: request.method,
    urlPath: request.path,
    serviceName: request.serviceName,
  });
  return decision !== false && decision !== undefined;
};

/**
 * The tracing middleware; put it right after the error handler so it sees every error before it is answered.
 * `sampling` is the API's XRAY_SAMPLING; absent, every request is traced.
 */
export const tracing = (serviceName: string, sampling: TracingSampling = 'all'): Middleware<AppState> => {
  if (sampling === 'off') return (_ctx, next) => next();
  return async (ctx, next) => {
    const incoming = incomingTrace(ctx.get('x-amzn-trace-id'));
    const sampled = sampledBy(sampling, incoming, { host: ctx.host, method: ctx.method, path: ctx.path, serviceName });
    if (!sampled) {
      ctx.set('X-Amzn-Trace-Id', `Root=${incoming.root ?? newTraceId()};Sampled=0`);
      await next();
      return;
    }
    const segment = new AWSXRay.Segment(serviceName, incoming.root, incoming.parent);
    const requestData = new AWSXRay.middleware.IncomingRequestData(ctx.req);
    requestData.request.url = redactedUrl(requestData.request.url);
    segment.addIncomingRequestData(requestData);
    ctx.set('X-Amzn-Trace-Id', `Root=${segment.trace_id}`);
    await inSegment(segment, async () => {
      let status = 500;
      try {
        await next();
        status = ctx.status;
      } catch (error) {
        // The status the error middleware will answer: the same mapping, by the error's class.
        status = answerOf(error)?.status ?? 500;
        if (status >= 500) segment.addError(error instanceof Error ? error : String(error));
        throw error;
      } finally {
        if (status === 429) segment.addThrottleFlag();
        if (status >= 400 && status < 500) segment.addErrorFlag();
        if (status >= 500) segment.addFaultFlag();
        const orderId = READS.has(ctx.method)
          ? undefined
          : orderIdOf(ctx.params as Record<string, string> | undefined, ctx.body);
        if (orderId !== undefined) segment.addAnnotation('orderId', orderId);
        (segment as unknown as { http?: { close(response: { statusCode: number }): void } }).http?.close({
          statusCode: status,
        });
        segment.close();
      }
    });
  };
};
