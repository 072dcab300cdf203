/**
 * The X-Ray API on the edge (signing name `xray`, REST-JSON), over a TraceStore: what the API and the dashboard
 * read through @aws-sdk/client-xray exactly as in AWS.
 *
 *   POST /Traces          BatchGetTraces      { TraceIds (1-5), NextToken }
 *   POST /TraceSummaries  GetTraceSummaries   { StartTime, EndTime (epoch seconds), FilterExpression, NextToken }
 *   POST /TraceSegments   PutTraceSegments    { TraceSegmentDocuments: JSON strings }
 */
import {
  AwsServiceError,
  jsonErrorResponse,
  type EdgeRequest,
  type EdgeResponse,
  type ServiceEmulator,
} from '../edge/types';
import { compileFilterExpression, FilterExpressionInvalidError, type TraceFilter } from './filter-expression';
import { TRACE_ID } from './trace-header';
import type { TraceStore } from './trace-store';

const PAGE_SIZE = 100;

const json = (body: unknown): EdgeResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const invalid = (message: string): AwsServiceError => new AwsServiceError('InvalidRequestException', message);

const offset = (token: unknown): number => {
  if (token === undefined || token === null) return 0;
  const value = typeof token === 'string' ? Number.parseInt(token, 10) : Number.NaN;
  if (!Number.isInteger(value) || value < 0 || String(value) !== token)
    throw invalid(`Invalid NextToken: ${String(token)}`);
  return value;
};

const epochSeconds = (value: unknown, name: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} is required, in epoch seconds`);
  return value;
};

export class LocalXRay implements ServiceEmulator {
  readonly signingNames = ['xray'] as const;

  constructor(private readonly store: TraceStore) {}

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    try {
      if (request.method !== 'POST')
        throw new AwsServiceError(
          'UnknownOperationException',
          `No X-Ray operation at ${request.method} ${request.path}`,
          404,
        );
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw invalid('The request body must be a JSON object');
        body = parsed as Record<string, unknown>;
      } catch (error) {
        if (error instanceof AwsServiceError) throw error;
        throw invalid(`The request body is not JSON: ${(error as Error).message}`);
      }
      switch (request.path) {
        case '/Traces':
          return json(this.batchGetTraces(body));
        case '/TraceSummaries':
          return json(this.getTraceSummaries(body));
        case '/TraceSegments':
          return json(this.putTraceSegments(body));
        default:
          throw new AwsServiceError('UnknownOperationException', `The local X-Ray does not serve ${request.path}`, 404);
      }
    } catch (error) {
      if (error instanceof AwsServiceError)
        return {
          ...jsonErrorResponse(error),
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        };
      throw error;
    }
  }

  private batchGetTraces(body: Record<string, unknown>): unknown {
    const ids = body.TraceIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 5) throw invalid('TraceIds must list 1 to 5 trace ids');
    for (const id of ids)
      if (typeof id !== 'string' || !TRACE_ID.test(id)) throw invalid(`Invalid trace id: ${String(id)}`);
    offset(body.NextToken);
    const traces = [];
    const unprocessed = [];
    for (const id of ids as string[]) {
      const trace = this.store.getTrace(id);
      if (trace) traces.push(trace);
      else unprocessed.push(id);
    }
    return { Traces: traces, UnprocessedTraceIds: unprocessed };
  }

  private getTraceSummaries(body: Record<string, unknown>): unknown {
    const start = epochSeconds(body.StartTime, 'StartTime');
    const end = epochSeconds(body.EndTime, 'EndTime');
    if (end < start) throw invalid('EndTime is before StartTime');
    if (body.FilterExpression !== undefined && typeof body.FilterExpression !== 'string')
      throw invalid('FilterExpression must be a string');
    let filter: TraceFilter;
    try {
      filter = compileFilterExpression((body.FilterExpression as string | undefined) ?? '');
    } catch (error) {
      if (error instanceof FilterExpressionInvalidError) throw invalid(error.message);
      throw error;
    }
    const from = offset(body.NextToken);
    const all = this.store.summaries(start, end, filter);
    const page = all.slice(from, from + PAGE_SIZE);
    return {
      TraceSummaries: page,
      ApproximateTime: Math.floor(Date.now() / 1000),
      TracesProcessedCount: all.length,
      ...(from + PAGE_SIZE < all.length ? { NextToken: String(from + PAGE_SIZE) } : {}),
    };
  }

  private putTraceSegments(body: Record<string, unknown>): unknown {
    const documents = body.TraceSegmentDocuments;
    if (!Array.isArray(documents) || documents.some((d) => typeof d !== 'string'))
      throw invalid('TraceSegmentDocuments must be a list of JSON strings');
    const outcome = this.store.add(documents);
    return {
      UnprocessedTraceSegments: outcome.rejected.map((r) => ({
        ...(r.id === undefined ? {} : { Id: r.id }),
        ErrorCode: 'InvalidSegment',
        Message: r.message,
      })),
    };
  }
}
