/**
 * The X-Ray segment document (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html), the
 * subset the collector reads. Segments and subsegments arrive whole or in pieces: an in-progress document first,
 * the completed one later with the same id; subsegments either nested or sent on their own with `type: "subsegment"`,
 * `trace_id` and `parent_id`.
 */
import { SEGMENT_ID, TRACE_ID } from './trace-header';

export type AnnotationValue = string | number | boolean;

export interface SegmentDocument {
  readonly name: string;
  readonly id: string;
  readonly trace_id?: string;
  readonly parent_id?: string;
  readonly type?: 'subsegment';
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly origin?: string;
  readonly namespace?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly cause?: unknown;
  readonly http?: {
    readonly request?: Record<string, unknown>;
    readonly response?: { readonly status?: number; readonly [key: string]: unknown };
  };
  readonly aws?: Record<string, unknown>;
  readonly annotations?: Readonly<Record<string, AnnotationValue>>;
  readonly metadata?: Record<string, unknown>;
  readonly subsegments?: readonly SegmentDocument[];
  readonly [key: string]: unknown;
}

/** A segment document that breaks the format; the collector drops it and changes nothing. */
export class XRayInvalidSegmentError extends Error {
  constructor(
    readonly segmentId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'XRayInvalidSegmentError';
  }
}

const NAME = /^[\p{L}\p{N}\p{Zs}_.:/%&#=+\\\-@]{1,200}$/u;
const ANNOTATION_KEY = /^[A-Za-z0-9_]{1,500}$/;

/**
 * Checks one document as X-Ray does before accepting it; nested subsegments are checked too. `topLevel` documents
 * need a trace id; a subsegment sent alone also needs its parent id.
 */
export const validateSegmentDocument = (value: unknown, topLevel = true): SegmentDocument => {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new XRayInvalidSegmentError(undefined, 'a segment document must be a JSON object');
  const doc = value as Record<string, unknown>;
  const id = typeof doc.id === 'string' ? doc.id : undefined;
  const fail = (message: string): never => {
    throw new XRayInvalidSegmentError(id, message);
  };
  if (id === undefined || !SEGMENT_ID.test(id)) fail('id must be 16 hexadecimal digits');
  if (typeof doc.name !== 'string' || !NAME.test(doc.name))
    fail(`segment ${id}: name must be 1-200 letters, digits, spaces or _.:/%&#=+\\-@`);
  if (topLevel && (typeof doc.trace_id !== 'string' || !TRACE_ID.test(doc.trace_id)))
    fail(`segment ${id}: trace_id must look like 1-58406520-a006649127e371903a2de979`);
  if (doc.parent_id !== undefined && (typeof doc.parent_id !== 'string' || !SEGMENT_ID.test(doc.parent_id)))
    fail(`segment ${id}: parent_id must be 16 hexadecimal digits`);
  if (topLevel && doc.type === 'subsegment' && doc.parent_id === undefined)
    fail(`subsegment ${id}: a subsegment sent on its own needs parent_id`);
  if (typeof doc.start_time !== 'number' || !Number.isFinite(doc.start_time) || doc.start_time <= 0)
    fail(`segment ${id}: start_time must be epoch seconds`);
  if (doc.in_progress !== true && (typeof doc.end_time !== 'number' || !Number.isFinite(doc.end_time)))
    fail(`segment ${id}: end_time is required unless in_progress is true`);
  if (typeof doc.end_time === 'number' && doc.end_time < (doc.start_time as number))
    fail(`segment ${id}: end_time is before start_time`);
  if (doc.annotations !== undefined) {
    if (doc.annotations === null || typeof doc.annotations !== 'object' || Array.isArray(doc.annotations))
      fail(`segment ${id}: annotations must be an object`);
    for (const [key, annotation] of Object.entries(doc.annotations as Record<string, unknown>)) {
      if (!ANNOTATION_KEY.test(key))
        fail(`segment ${id}: annotation key ${JSON.stringify(key)} must be letters, digits or _`);
      if (!['string', 'number', 'boolean'].includes(typeof annotation))
        fail(`segment ${id}: annotation ${key} must be a string, number or boolean`);
    }
  }
  if (doc.subsegments !== undefined) {
    if (!Array.isArray(doc.subsegments)) fail(`segment ${id}: subsegments must be a list`);
    for (const child of doc.subsegments as unknown[]) validateSegmentDocument(child, false);
  }
  return doc as SegmentDocument;
};
