/**
 * Assembles segment documents into traces by trace id, in memory, with a cap. Documents arrive in any order and in
 * pieces: a completed document replaces an in-progress one with the same id (never the reverse); subsegments sent
 * on their own join their parent when the trace is read. When the cap is reached the trace updated longest ago goes.
 */
import type { FilterSubject, TraceFilter } from './filter-expression';
import { validateSegmentDocument, type AnnotationValue, type SegmentDocument } from './segment-document';

/** One (sub)segment as stored: flat, its nested subsegments stored as nodes of their own. */
interface StoredNode {
  /** Without its nested subsegments. */
  readonly document: SegmentDocument;
  readonly traceId: string;
  readonly parentId?: string;
  readonly isSubsegment: boolean;
}

interface StoredTrace {
  readonly id: string;
  readonly nodes: Map<string, StoredNode>;
}

export interface TraceStoreOptions {
  /** Traces kept; default 1000. */
  readonly maxTraces?: number;
  /** (Sub)segments kept per trace; further ones are dropped; default 2000. */
  readonly maxSegmentsPerTrace?: number;
}

/** A trace as BatchGetTraces answers it: top-level segments with their subsegments nested, as JSON documents. */
export interface AssembledTrace {
  readonly Id: string;
  readonly Duration: number;
  readonly LimitExceeded: boolean;
  readonly Segments: { readonly Id: string; readonly Document: string }[];
}

export interface TraceSummary {
  readonly Id: string;
  readonly StartTime: number;
  readonly Duration: number;
  readonly ResponseTime: number;
  readonly HasFault: boolean;
  readonly HasError: boolean;
  readonly HasThrottle: boolean;
  readonly IsPartial: boolean;
  readonly Http?: { readonly HttpURL?: string; readonly HttpStatus?: number; readonly HttpMethod?: string };
  readonly Annotations: Record<
    string,
    { AnnotationValue: { StringValue?: string; NumberValue?: number; BooleanValue?: boolean } }[]
  >;
  readonly ServiceIds: { Name: string; Names: string[]; Type?: string }[];
}

export interface AddOutcome {
  readonly accepted: number;
  readonly rejected: { readonly id?: string; readonly message: string }[];
}

const flatten = (
  document: SegmentDocument,
  traceId: string,
  parentId: string | undefined,
  isSubsegment: boolean,
  into: StoredNode[],
): void => {
  const { subsegments, ...own } = document;
  into.push({
    document: own as SegmentDocument,
    traceId,
    ...(parentId === undefined ? {} : { parentId }),
    isSubsegment,
  });
  for (const child of subsegments ?? []) flatten(child, traceId, document.id, true, into);
};

const annotationValue = (
  value: AnnotationValue,
): { StringValue?: string; NumberValue?: number; BooleanValue?: boolean } =>
  typeof value === 'string'
    ? { StringValue: value }
    : typeof value === 'number'
      ? { NumberValue: value }
      : { BooleanValue: value };

export class TraceStore {
  private readonly traces = new Map<string, StoredTrace>();
  private readonly maxTraces: number;
  private readonly maxSegmentsPerTrace: number;

  constructor(options: TraceStoreOptions = {}) {
    this.maxTraces = options.maxTraces ?? 1000;
    this.maxSegmentsPerTrace = options.maxSegmentsPerTrace ?? 2000;
    if (!Number.isInteger(this.maxTraces) || this.maxTraces < 1)
      throw new RangeError(`maxTraces must be a positive integer, not ${this.maxTraces}`);
    if (!Number.isInteger(this.maxSegmentsPerTrace) || this.maxSegmentsPerTrace < 1)
      throw new RangeError(`maxSegmentsPerTrace must be a positive integer, not ${this.maxSegmentsPerTrace}`);
  }

  /** Adds documents (objects or JSON strings); an invalid one is rejected alone and changes nothing. */
  add(documents: readonly unknown[]): AddOutcome {
    let accepted = 0;
    const rejected: { id?: string; message: string }[] = [];
    for (const raw of documents) {
      let document: SegmentDocument;
      try {
        document = validateSegmentDocument(typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw);
      } catch (error) {
        rejected.push({
          ...(error instanceof Error && 'segmentId' in error && typeof error.segmentId === 'string'
            ? { id: error.segmentId }
            : {}),
          message: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const nodes: StoredNode[] = [];
      flatten(document, document.trace_id as string, document.parent_id, document.type === 'subsegment', nodes);
      this.store(document.trace_id as string, nodes);
      accepted += 1;
    }
    return { accepted, rejected };
  }

  private store(traceId: string, nodes: readonly StoredNode[]): void {
    const trace = this.traces.get(traceId) ?? { id: traceId, nodes: new Map<string, StoredNode>() };
    this.traces.delete(traceId);
    this.traces.set(traceId, trace);
    for (const node of nodes) {
      const existing = trace.nodes.get(node.document.id);
      if (existing && existing.document.in_progress !== true && node.document.in_progress === true) continue;
      if (!existing && trace.nodes.size >= this.maxSegmentsPerTrace) continue;
      trace.nodes.set(node.document.id, node);
    }
    while (this.traces.size > this.maxTraces) {
      const oldest = this.traces.keys().next().value as string;
      this.traces.delete(oldest);
    }
  }

  get size(): number {
    return this.traces.size;
  }

  has(traceId: string): boolean {
    return this.traces.has(traceId);
  }

  clear(): void {
    this.traces.clear();
  }

  /** The trace as BatchGetTraces answers it, or undefined when unknown. */
  getTrace(traceId: string): AssembledTrace | undefined {
    const trace = this.traces.get(traceId);
    if (!trace) return undefined;
    const children = new Map<string, StoredNode[]>();
    const tops: StoredNode[] = [];
    for (const node of trace.nodes.values()) {
      if (node.isSubsegment && node.parentId !== undefined && trace.nodes.has(node.parentId)) {
        const list = children.get(node.parentId) ?? [];
        list.push(node);
        children.set(node.parentId, list);
      } else tops.push(node);
    }
    const byStart = (a: StoredNode, b: StoredNode): number => a.document.start_time - b.document.start_time;
    const build = (node: StoredNode): Record<string, unknown> => {
      const nested = (children.get(node.document.id) ?? []).sort(byStart).map(build);
      return {
        ...node.document,
        ...(node.isSubsegment ? { type: 'subsegment' } : { trace_id: trace.id }),
        ...(node.parentId === undefined ? {} : { parent_id: node.parentId }),
        ...(nested.length > 0 ? { subsegments: nested } : {}),
      };
    };
    const { start, end } = this.bounds(trace);
    return {
      Id: trace.id,
      Duration: Math.max(0, end - start),
      LimitExceeded: false,
      Segments: tops
        .sort(byStart)
        .map((node) => ({ Id: node.document.id, Document: JSON.stringify({ ...build(node), trace_id: trace.id }) })),
    };
  }

  /** Summaries of the traces that started in [startTime, endTime] (epoch seconds) and pass the filter, newest first. */
  summaries(startTime: number, endTime: number, filter: TraceFilter = () => true): TraceSummary[] {
    const found: TraceSummary[] = [];
    for (const trace of this.traces.values()) {
      const { start } = this.bounds(trace);
      if (start < startTime || start > endTime) continue;
      const summary = this.summarise(trace);
      if (filter(summary.subject)) found.push(summary.summary);
    }
    return found.sort((a, b) => b.StartTime - a.StartTime);
  }

  private bounds(trace: StoredTrace): { start: number; end: number } {
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const { document } of trace.nodes.values()) {
      start = Math.min(start, document.start_time);
      end = Math.max(end, document.end_time ?? document.start_time);
    }
    return { start, end };
  }

  private summarise(trace: StoredTrace): { summary: TraceSummary; subject: FilterSubject } {
    const nodes = [...trace.nodes.values()];
    const annotations = new Map<string, AnnotationValue[]>();
    for (const { document } of nodes) {
      for (const [key, value] of Object.entries(document.annotations ?? {})) {
        const values = annotations.get(key) ?? [];
        if (!values.includes(value)) values.push(value);
        annotations.set(key, values);
      }
    }
    const segments = nodes.filter((node) => !node.isSubsegment);
    const root =
      [...segments]
        .sort((a, b) => a.document.start_time - b.document.start_time)
        .find((node) => node.parentId === undefined || !trace.nodes.has(node.parentId)) ?? nodes[0];
    const { start, end } = this.bounds(trace);
    const flag = (name: 'error' | 'fault' | 'throttle'): boolean => nodes.some((node) => node.document[name] === true);
    const responseTime = root?.document.end_time === undefined ? 0 : root.document.end_time - root.document.start_time;
    const services = new Map<string, string | undefined>();
    for (const { document } of segments) services.set(document.name, document.origin);
    const http = root?.document.http;
    const summary: TraceSummary = {
      Id: trace.id,
      StartTime: start,
      Duration: Math.max(0, end - start),
      ResponseTime: Math.max(0, responseTime),
      HasFault: flag('fault'),
      HasError: flag('error'),
      HasThrottle: flag('throttle'),
      IsPartial: nodes.some((node) => node.document.in_progress === true),
      ...(http
        ? {
            Http: {
              ...(typeof http.request?.url === 'string' ? { HttpURL: http.request.url } : {}),
              ...(typeof http.request?.method === 'string' ? { HttpMethod: http.request.method } : {}),
              ...(typeof http.response?.status === 'number' ? { HttpStatus: http.response.status } : {}),
            },
          }
        : {}),
      Annotations: Object.fromEntries(
        [...annotations].map(([key, values]) => [
          key,
          values.map((value) => ({ AnnotationValue: annotationValue(value) })),
        ]),
      ),
      ServiceIds: [...services].map(([name, type]) => ({
        Name: name,
        Names: [name],
        ...(type === undefined ? {} : { Type: type }),
      })),
    };
    const subject: FilterSubject = {
      annotations,
      ok: !summary.HasError && !summary.HasFault && !summary.HasThrottle,
      error: summary.HasError,
      fault: summary.HasFault,
      throttle: summary.HasThrottle,
      responseTime: summary.ResponseTime,
      duration: summary.Duration,
      services: new Set(services.keys()),
    };
    return { summary, subject };
  }
}
