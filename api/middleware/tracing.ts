/**
 * X-Ray tracing for the API (aws-xray-sdk-core, as on Fargate with the X-Ray daemon sidecar): one segment per
 * request, continuing an incoming X-Amzn-Trace-Id, with the HTTP request and status, error (4xx), throttle (429) and
 * fault (5xx) flags and the `orderId` annotation on requests that act on an order (not on reads, which would
 * otherwise each be one more trace found by the order's annotation); AWS SDK calls become subsegments (`traceAwsClients`), and PutEvents
 * entries carry the trace header so the trace continues through EventBridge, SQS, Step Functions and the Lambdas.
 * The daemon is AWS_XRAY_DAEMON_ADDRESS (default 127.0.0.1:2000). The request's segment is held in AsyncLocalStorage,
 * not in the SDK's cls-hooked automatic mode, and SDK calls become subsegments through a middleware of our own.
 * Sampling (XRAY_SAMPLING, api/config.ts) is decided before anything is recorded: a request that is not sampled gets
 * no segment and no X-Ray context at all, only its `Root=...;Sampled=0` header (on the answer and on its AWS calls and
 * PutEvents entries, so nothing downstream samples it on its own), since a segment that is never sent
 * still costs its subsegments and the context's async hooks (docs/decisions.md, "Tracing that costs little").
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { ORDER_ID_PATTERN } from '../../core/domain/ids';
import { randomHex } from '../random-ids';
import { answerOf } from './error-handler';
import type { TracingSampling } from '../config';
import type { AppState } from '../types';
import { AwsAttributes, IncomingRequestData, middleware, processTraceData, Segment } from './xray-core';
import type { Subsegment } from './xray-core';

/**
 * The trace context of the request being handled, in Node's AsyncLocalStorage rather than the SDK's automatic mode
 * (whose cls-hooked namespace runs async hooks on every asynchronous operation of the process, sampled or not:
 * ~19% of the API's CPU per POST at the SDK's default sampling, docs/decisions.md): a sampled request's segment, or
 * an unsampled request's trace root. The calls of an unsampled request carry `Sampled=0` so that what they start
 * downstream (EventBridge -> SQS -> Lambda, Step Functions) follows the decision instead of sampling on its own:
 * without the header every function an unsampled order reaches would start a trace of its own (measured: 2.1 traces
 * per order instead of 1 at the SDK's default rules, decision 43). One store for both: each store in use adds its
 * own step to every promise the process creates.
 */
type TraceContext =
  | { readonly segment: Segment; readonly root?: never }
  | { readonly segment?: never; readonly root: string };
const traceContext = new AsyncLocalStorage<TraceContext>();

/** The trace header for a hop the SDK does not propagate itself (a PutEvents entry); undefined outside a request. */
export const currentTraceHeader = (): string | undefined => {
  const context = traceContext.getStore();
  if (context?.segment !== undefined) return `Root=${context.segment.trace_id};Parent=${context.segment.id};Sampled=1`;
  return context?.root === undefined ? undefined : `Root=${context.root};Sampled=0`;
};

interface SdkContext {
  readonly clientName?: string;
  readonly commandName?: string;
}
interface SdkArgs {
  readonly input: unknown;
  readonly request?: { headers?: Record<string, string> };
}
interface SdkOutput {
  readonly output?: { $metadata?: SdkMetadata };
  readonly response?: { headers?: Record<string, string> };
}
interface SdkMetadata {
  readonly requestId?: string;
  readonly extendedRequestId?: string;
  readonly httpStatusCode?: number;
  readonly attempts?: number;
}
type SdkHandler = (args: SdkArgs) => Promise<SdkOutput>;

interface TraceableClient {
  readonly config: { region: () => Promise<string> | string };
  // One overload per step used, so each matches the SDK's own overload for that step.
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string }): void;
    add(middleware: unknown, options: { step: 'build'; name: string }): void;
  };
}

/** Sets the subsegment's flags from the HTTP status of the call, as the SDK's own capture does. */
const flag = (subsegment: Subsegment, status: number, throttled: boolean): void => {
  if (status === 429 || throttled) subsegment.addThrottleFlag();
  else if (status >= 500) subsegment.addFaultFlag();
  else if (status >= 400) subsegment.addErrorFlag();
};

/** One subsegment per SDK call of a traced request, with the attributes and flags the SDK's own capture records. */
const subsegmentPerCall =
  (client: TraceableClient) =>
  (next: SdkHandler, context: SdkContext): SdkHandler =>
  async (args) => {
    const trace = traceContext.getStore();
    const segment = trace?.segment;
    if (segment === undefined) {
      const root = trace?.root;
      if (root !== undefined && args.request?.headers !== undefined)
        args.request.headers['X-Amzn-Trace-Id'] = `Root=${root};Sampled=0`;
      return next(args);
    }
    const service = (context.clientName ?? 'AWSClient').replace(/Client$/, '');
    const commandOperation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const operation = commandOperation.charAt(0).toLowerCase() + commandOperation.slice(1);
    const subsegment = segment.addNewSubsegment(service);
    subsegment.addAttribute('namespace', 'aws');
    if (args.request?.headers !== undefined)
      args.request.headers['X-Amzn-Trace-Id'] = `Root=${segment.trace_id};Parent=${subsegment.id};Sampled=1`;
    const record = async (metadata: SdkMetadata | undefined, output: SdkOutput | undefined): Promise<number> => {
      const status = metadata?.httpStatusCode;
      const region = await client.config.region();
      subsegment.addAttribute(
        'aws',
        new AwsAttributes(
          {
            extendedRequestId: metadata?.extendedRequestId,
            requestId: metadata?.requestId,
            retryCount: metadata?.attempts,
            data: output?.output,
            request: { operation, params: args.input, httpRequest: { region, statusCode: status } },
          },
          service,
        ),
      );
      if (status !== undefined) subsegment.addAttribute('http', { response: { status } });
      return status ?? 0;
    };
    try {
      const output = await next(args);
      flag(subsegment, await record(output.output?.$metadata, output), false);
      subsegment.close();
      return output;
    } catch (error) {
      const status = await record((error as { $metadata?: SdkMetadata }).$metadata, undefined);
      flag(subsegment, status, (error as Error).name === 'ThrottlingException');
      subsegment.close(error as Error, true);
      throw error;
    }
  };

/** Traces SDK v3 clients (one subsegment per call of a traced request) and makes PutEvents carry the trace header. */
export const traceAwsClients = (...clients: TraceableClient[]): void => {
  for (const client of clients) {
    client.middlewareStack.add(subsegmentPerCall(client), { step: 'build', name: 'xraySubsegmentPerCall' });
    client.middlewareStack.add(
      (next: SdkHandler, context: SdkContext) => async (args: SdkArgs) => {
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
  const data = processTraceData(header);
  if (data.root === undefined || !TRACE_ID.test(data.root)) return {};
  return {
    root: data.root,
    ...(data.parent !== undefined && SEGMENT_ID.test(data.parent) ? { parent: data.parent } : {}),
    ...(data.sampled === undefined ? {} : { sampled: data.sampled }),
  };
};

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
const sdkSampler = (): Sampler => (middleware as unknown as { sampler: Sampler }).sampler;

/**
 * Sets the SDK's sampler for the mode, once at start: `local` stops it polling the account's rules (its local
 * default rules decide: 1 request/s, then 5%); `centralized` keeps the SDK's default sampler, which polls them.
 */
export const configureSampling = (mode: TracingSampling | undefined): void => {
  if (mode === 'local') middleware.disableCentralizedSampling();
};

/** A new X-Ray trace id (`1-<epoch seconds, hex>-<96 random bits>`), for the header of a request that is not traced. */
const newTraceId = (): string => `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomHex(12)}`;

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
      const root = incoming.root ?? newTraceId();
      ctx.set('X-Amzn-Trace-Id', `Root=${root};Sampled=0`);
      await traceContext.run({ root }, next);
      return;
    }
    const segment = new Segment(serviceName, incoming.root, incoming.parent);
    const requestData = new IncomingRequestData(ctx.req);
    requestData.request.url = redactedUrl(requestData.request.url);
    segment.addIncomingRequestData(requestData);
    ctx.set('X-Amzn-Trace-Id', `Root=${segment.trace_id}`);
    await traceContext.run({ segment }, async () => {
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
