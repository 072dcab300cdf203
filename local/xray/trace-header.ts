/**
 * X-Ray trace ids, segment ids and the trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`)
 * as AWS services pass it along: the X-Amzn-Trace-Id HTTP header, SQS's AWSTraceHeader, PutEvents' TraceHeader,
 * StartExecution's traceHeader, Lambda's _X_AMZN_TRACE_ID.
 */
import { randomBytes } from 'node:crypto';

export const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
export const SEGMENT_ID = /^[0-9a-f]{16}$/;

export interface TraceContext {
  readonly traceId: string;
  /** The segment or subsegment the next hop hangs under; absent at the root of a trace. */
  readonly parentId?: string;
  readonly sampled: boolean;
}

/** A new trace id: version 1, the epoch seconds in hex, 96 random bits. */
export const newTraceId = (now = Date.now()): string =>
  `1-${Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0')}-${randomBytes(12).toString('hex')}`;

/** A new 64-bit segment id in hex. */
export const newSegmentId = (): string => randomBytes(8).toString('hex');

/** Reads a trace header; undefined when it carries no valid Root (a malformed header starts a new trace, as in AWS). */
export const parseTraceHeader = (header: string | undefined): TraceContext | undefined => {
  if (header === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0) fields.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const traceId = fields.get('Root');
  if (traceId === undefined || !TRACE_ID.test(traceId)) return undefined;
  const parent = fields.get('Parent');
  return {
    traceId,
    ...(parent !== undefined && SEGMENT_ID.test(parent) ? { parentId: parent } : {}),
    sampled: fields.get('Sampled') !== '0',
  };
};

/** Writes a trace header. */
export const formatTraceHeader = (context: TraceContext): string =>
  `Root=${context.traceId}${context.parentId === undefined ? '' : `;Parent=${context.parentId}`};Sampled=${context.sampled ? '1' : '0'}`;

/** The context a traced hop continues: the caller's, or a new sampled trace. */
export const continueOrStart = (header: string | undefined, now = Date.now()): TraceContext =>
  parseTraceHeader(header) ?? { traceId: newTraceId(now), sampled: true };
