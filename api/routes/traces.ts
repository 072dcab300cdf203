/**
 * Traces, read from X-Ray through @aws-sdk/client-xray (the local cloud answers the same API):
 *
 *   GET /api/orders/:id/trace   the order's owner or the admin: the order's segments of the traces annotated with
 *                               its id (not other orders' work in a shared trace), flat, ready for a waterfall
 *   GET /api/traces             admin: trace summaries filtered by annotation (`annotation=orderId:01J...`, repeatable,
 *                               ANDed), `fault`/`error`/`throttle`=true|false, `since`/`until` (ISO; default the last 6 h)
 */
import {
  BatchGetTracesCommand,
  GetTraceSummariesCommand,
  type TraceSummary,
  type XRayClient,
} from '@aws-sdk/client-xray';
import Router from '@koa/router';
import { z } from 'zod';
import { OrderIdSchema } from '../../core/domain/ids';
import type { Order } from '../../core/domain/order';
import { ApiError } from '../errors';
import { requireAdmin, requireCaller } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, IdParams, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export interface TracesRouterDeps {
  readonly xray: XRayClient;
  readonly store: { getOrder(orderId: string): Promise<Pick<Order, 'customerId' | 'createdAt'> | undefined> };
  readonly now: () => Date;
}

/** One (sub)segment of a trace, as the dashboard's waterfall draws it. Times are epoch milliseconds. */
export interface TraceSegmentView {
  readonly traceId: string;
  readonly id: string;
  readonly parentId: string | null;
  /** The service or step: `orders-api`, `local-charge-payment`, `ChargePayment`, `EventBridge`, ... */
  readonly name: string;
  /** AWS::ECS::Container, AWS::Lambda::Function, AWS::StepFunctions::StateMachine; null for subsegments. */
  readonly origin: string | null;
  /** `PutEvents`, `GET /api/orders/...`; null when the segment names no operation. */
  readonly operation: string | null;
  readonly kind: 'segment' | 'subsegment';
  readonly start: number;
  readonly end: number | null;
  readonly durationMs: number | null;
  readonly inProgress: boolean;
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  readonly httpStatus: number | null;
  readonly annotations: Readonly<Record<string, string | number | boolean>>;
  readonly cause: { readonly type: string; readonly message: string } | null;
}

const ANNOTATION = /^([A-Za-z0-9_]{1,100}):([^"\\]{1,200})$/;
const HOUR = 3600_000;

type RawDocument = {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  origin?: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  error?: boolean;
  fault?: boolean;
  throttle?: boolean;
  annotations?: Record<string, string | number | boolean>;
  aws?: { operation?: string };
  http?: { request?: { method?: string; url?: string }; response?: { status?: number } };
  cause?: { exceptions?: { type?: string; message?: string }[] };
  subsegments?: RawDocument[];
};

const operationOf = (doc: RawDocument): string | null => {
  if (typeof doc.aws?.operation === 'string') return doc.aws.operation;
  const request = doc.http?.request;
  if (request?.method && request.url) {
    let path = request.url;
    try {
      path = new URL(request.url).pathname;
    } catch {
      // a relative URL is already a path
    }
    return `${request.method} ${path}`;
  }
  return null;
};

/** Flattens BatchGetTraces documents (segments with nested subsegments) into waterfall rows, in start order. */
export const flattenTrace = (traceId: string, documents: readonly string[]): TraceSegmentView[] => {
  const rows: TraceSegmentView[] = [];
  const visit = (doc: RawDocument, parentId: string | null, kind: 'segment' | 'subsegment'): void => {
    const exception = doc.cause?.exceptions?.[0];
    rows.push({
      traceId,
      id: doc.id,
      parentId: doc.parent_id ?? parentId,
      name: doc.name,
      origin: doc.origin ?? null,
      operation: operationOf(doc),
      kind,
      start: Math.round(doc.start_time * 1000),
      end: doc.end_time === undefined ? null : Math.round(doc.end_time * 1000),
      durationMs: doc.end_time === undefined ? null : Math.round((doc.end_time - doc.start_time) * 1000),
      inProgress: doc.in_progress === true,
      error: doc.error === true,
      fault: doc.fault === true,
      throttle: doc.throttle === true,
      httpStatus: typeof doc.http?.response?.status === 'number' ? doc.http.response.status : null,
      annotations: doc.annotations ?? {},
      cause: exception ? { type: exception.type ?? 'Error', message: exception.message ?? '' } : null,
    });
    for (const child of doc.subsegments ?? []) visit(child, doc.id, 'subsegment');
  };
  for (const document of documents) {
    const doc = JSON.parse(document) as RawDocument;
    visit(doc, null, doc.type === 'subsegment' ? 'subsegment' : 'segment');
  }
  return rows.sort((a, b) => a.start - b.start);
};

/**
 * The rows of one order in traces that may hold other orders' work too: an SQS batch runs in the trace of its first
 * message, so one Lambda invocation carries several orders, each in a subsegment annotated with its `orderId`. A row
 * belongs to the order that it, or its nearest annotated ancestor within the same segment document, names. A row no
 * annotation covers (the batch's function segment, a queue hop) is shown when the order's rows sit beneath it, hidden
 * when only other orders' rows do, and otherwise follows its parent. A row whose parent is hidden hangs from its
 * nearest shown ancestor.
 */
export const segmentsOfOrder = (rows: readonly TraceSegmentView[], orderId: string): TraceSegmentView[] => {
  const key = (traceId: string, id: string): string => `${traceId}/${id}`;
  const byKey = new Map(rows.map((row) => [key(row.traceId, row.id), row]));
  const parentOf = (row: TraceSegmentView): TraceSegmentView | undefined =>
    row.parentId === null ? undefined : byKey.get(key(row.traceId, row.parentId));
  const children = new Map<TraceSegmentView, TraceSegmentView[]>();
  const roots: TraceSegmentView[] = [];
  for (const row of rows) {
    const parent = parentOf(row);
    if (parent === undefined || parent === row) roots.push(row);
    else children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const owner = new Map<TraceSegmentView, string | undefined>();
  const holds = new Map<TraceSegmentView, { readonly mine: boolean; readonly foreign: boolean }>();
  // Post-order: who owns each row, and whose rows each subtree holds. `seen` guards against parent cycles.
  const seen = new Set<TraceSegmentView>();
  const classify = (row: TraceSegmentView, inherited: string | undefined): { mine: boolean; foreign: boolean } => {
    seen.add(row);
    const annotated = row.annotations.orderId;
    // Annotations cover their own document: a segment of another service (the batch's function segment under the
    // first message's PutEvents) is not the first order's for hanging beneath it.
    const own = typeof annotated === 'string' ? annotated : row.kind === 'segment' ? undefined : inherited;
    owner.set(row, own);
    let mine = own === orderId;
    let foreign = own !== undefined && own !== orderId;
    for (const child of children.get(row) ?? []) {
      if (seen.has(child)) continue;
      const below = classify(child, own);
      mine ||= below.mine;
      foreign ||= below.foreign;
    }
    holds.set(row, { mine, foreign });
    return { mine, foreign };
  };
  for (const root of roots) classify(root, undefined);
  const shown = new Set<TraceSegmentView>();
  const decide = (row: TraceSegmentView, parentShown: boolean): void => {
    const own = owner.get(row);
    const held = holds.get(row) ?? { mine: false, foreign: false };
    const show = own !== undefined ? own === orderId : held.mine || (!held.foreign && parentShown);
    if (show) shown.add(row);
    for (const child of children.get(row) ?? []) decide(child, show);
  };
  for (const root of roots) decide(root, false);
  const shownAncestor = (row: TraceSegmentView): string | null => {
    const visited = new Set<TraceSegmentView>();
    for (let parent = parentOf(row); parent !== undefined && !visited.has(parent); parent = parentOf(parent)) {
      if (shown.has(parent)) return parent.id;
      visited.add(parent);
    }
    return null;
  };
  return rows
    .filter((row) => shown.has(row))
    .map((row) => {
      const parent = parentOf(row);
      return parent === undefined || shown.has(parent) ? row : { ...row, parentId: shownAncestor(row) };
    });
};

const summaries = async (xray: XRayClient, start: Date, end: Date, filter: string): Promise<TraceSummary[]> => {
  const found: TraceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: start,
        EndTime: end,
        FilterExpression: filter,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    found.push(...(page.TraceSummaries ?? []));
    token = page.NextToken;
  } while (token !== undefined && found.length < 500);
  return found;
};

const parseTime = (value: unknown, name: string, fallback: Date): Date => {
  if (value === undefined) return fallback;
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new ApiError(400, 'INVALID_QUERY', `${name} must be an ISO 8601 date-time`);
  return date;
};

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Builds the filter expression of GET /api/traces; bad input is a 400 that queries nothing. */
export const tracesFilter = (query: Record<string, string | string[] | undefined>): string => {
  const terms: string[] = [];
  for (const annotation of list(query.annotation)) {
    const match = ANNOTATION.exec(annotation);
    if (!match)
      throw new ApiError(
        400,
        'INVALID_QUERY',
        'annotation must be key:value (key letters, digits or _; value without quotes or backslashes)',
      );
    terms.push(`annotation.${match[1]} = "${match[2]}"`);
  }
  for (const flag of ['fault', 'error', 'throttle'] as const) {
    const [value, ...more] = list(query[flag]);
    if (value === undefined) continue;
    if (more.length > 0 || (value !== 'true' && value !== 'false'))
      throw new ApiError(400, 'INVALID_QUERY', `${flag} must be true or false`);
    terms.push(`${flag} = ${value}`);
  }
  return terms.join(' AND ');
};

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const TraceSegmentSchema = z.object({
  traceId: z.string(),
  id: z.string(),
  parentId: nullable(z.string()),
  name: z.string(),
  origin: nullable(z.string()),
  operation: nullable(z.string()),
  kind: z.enum(['segment', 'subsegment']),
  start: z.number().int().describe('epoch milliseconds'),
  end: nullable(z.number().int()),
  durationMs: nullable(z.number().int()),
  inProgress: z.boolean(),
  error: z.boolean(),
  fault: z.boolean(),
  throttle: z.boolean(),
  httpStatus: nullable(z.number().int()),
  annotations: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  cause: nullable(z.object({ type: z.string(), message: z.string() })),
});
const TraceSummarySchema = z.object({
  traceId: z.string(),
  start: nullable(z.number().int()),
  durationMs: nullable(z.number().int()),
  responseTimeMs: nullable(z.number().int()),
  fault: z.boolean(),
  error: z.boolean(),
  throttle: z.boolean(),
  partial: z.boolean(),
  services: z.array(z.string()),
  annotations: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
});
const flag = z.enum(['true', 'false']).optional();

export const TRACES_ROUTES = {
  order: {
    method: 'get',
    path: '/api/orders/:id/trace',
    summary: "The order's trace as waterfall rows, in start order (owner or admin)",
    params: IdParams,
    responses: {
      200: {
        description: 'the trace',
        body: z.object({ orderId: z.string(), traceIds: z.array(z.string()), segments: z.array(TraceSegmentSchema) }),
      },
      404: errorAnswer('no such order'),
    },
  },
  list: {
    method: 'get',
    path: '/api/traces',
    summary: 'Trace summaries, newest first, filtered by annotation (key:value, repeatable, ANDed) and flags (admin)',
    admin: true,
    query: z.object({
      annotation: z.array(z.string().regex(ANNOTATION)).optional(),
      fault: flag,
      error: flag,
      throttle: flag,
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
    }),
    responses: {
      200: { description: 'summaries', body: z.object({ items: z.array(TraceSummarySchema) }) },
      400: errorAnswer('a malformed filter or time'),
      403: errorAnswer('not the admin'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const tracesRouter = (deps: TracesRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, TRACES_ROUTES.order, async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.store.getOrder(orderId.data) : undefined;
    if (!orderId.success || order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin))
      throw new ApiError(404, 'NOT_FOUND', 'no such order');
    const created = new Date(order.createdAt).getTime();
    const start = new Date(created - HOUR);
    const end = new Date(Math.max(deps.now().getTime(), created + HOUR));
    const traceIds = (await summaries(deps.xray, start, end, `annotation.orderId = "${orderId.data}"`)).flatMap(
      (summary) => (summary.Id ? [summary.Id] : []),
    );
    const segments: TraceSegmentView[] = [];
    for (let index = 0; index < traceIds.length; index += 5) {
      const answer = await deps.xray.send(new BatchGetTracesCommand({ TraceIds: traceIds.slice(index, index + 5) }));
      for (const trace of answer.Traces ?? [])
        segments.push(
          ...segmentsOfOrder(
            flattenTrace(
              trace.Id ?? '',
              (trace.Segments ?? []).flatMap((segment) => (segment.Document ? [segment.Document] : [])),
            ),
            orderId.data,
          ),
        );
    }
    ctx.body = { orderId: orderId.data, traceIds, segments: segments.sort((a, b) => a.start - b.start) };
  });

  on(router, TRACES_ROUTES.list, async (ctx) => {
    requireAdmin(ctx);
    const query = ctx.query as Record<string, string | string[] | undefined>;
    const filter = tracesFilter(query);
    const until = parseTime(query.until, 'until', deps.now());
    const since = parseTime(query.since, 'since', new Date(until.getTime() - 6 * HOUR));
    if (since > until) throw new ApiError(400, 'INVALID_QUERY', 'since must not be after until');
    const found = await summaries(deps.xray, since, until, filter);
    ctx.body = {
      items: found.map((summary) => ({
        traceId: summary.Id,
        start: summary.StartTime ? summary.StartTime.getTime() : null,
        durationMs: summary.Duration === undefined ? null : Math.round(summary.Duration * 1000),
        responseTimeMs: summary.ResponseTime === undefined ? null : Math.round(summary.ResponseTime * 1000),
        fault: summary.HasFault === true,
        error: summary.HasError === true,
        throttle: summary.HasThrottle === true,
        partial: summary.IsPartial === true,
        services: (summary.ServiceIds ?? []).flatMap((service) => (service.Name ? [service.Name] : [])),
        annotations: Object.fromEntries(
          Object.entries(summary.Annotations ?? {}).map(([key, values]) => [
            key,
            values.map(
              (v) =>
                v.AnnotationValue?.StringValue ??
                v.AnnotationValue?.NumberValue ??
                v.AnnotationValue?.BooleanValue ??
                null,
            ),
          ]),
        ),
      })),
    };
  });
  return router;
};
