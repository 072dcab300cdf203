import {
  BatchGetTracesCommand,
  GetTraceSummariesCommand,
  PutTraceSegmentsCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { startEdge, type RunningEdge } from '../edge/server';
import { TraceStore } from './trace-store';
import { LocalXRay } from './xray-api';

const TRACE = '1-65f00000-0123456789abcdef01234567';
const OTHER = '1-65f00000-0123456789abcdef01234568';
const doc = (traceId: string, id: string, orderId: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    name: 'orders-api',
    id,
    trace_id: traceId,
    start_time: 1_700_000_000,
    end_time: 1_700_000_001,
    annotations: { orderId },
    ...extra,
  });

describe('local X-Ray API through @aws-sdk/client-xray', () => {
  let edge: RunningEdge;
  let client: XRayClient;
  let store: TraceStore;

  beforeAll(async () => {
    store = new TraceStore();
    edge = await startEdge({ services: [new LocalXRay(store)] });
    client = new XRayClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  beforeEach(() => store.clear());
  afterAll(async () => {
    client.destroy();
    await edge.close();
  });

  it('stores PutTraceSegments documents and answers them with BatchGetTraces', async () => {
    const put = await client.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: [doc(TRACE, 'aaaaaaaaaaaaaaaa', 'o-1')] }),
    );

    const got = await client.send(new BatchGetTracesCommand({ TraceIds: [TRACE, OTHER] }));

    expect(put.UnprocessedTraceSegments).toEqual([]);
    expect(got.Traces?.map((t) => t.Id)).toEqual([TRACE]);
    expect(JSON.parse(got.Traces?.[0]?.Segments?.[0]?.Document ?? '{}')).toMatchObject({
      id: 'aaaaaaaaaaaaaaaa',
      annotations: { orderId: 'o-1' },
    });
    expect(got.UnprocessedTraceIds).toEqual([OTHER]);
  });

  it('filters GetTraceSummaries by annotation', async () => {
    store.add([doc(TRACE, 'aaaaaaaaaaaaaaaa', 'o-1'), doc(OTHER, 'bbbbbbbbbbbbbbbb', 'o-2', { fault: true })]);

    const answer = await client.send(
      new GetTraceSummariesCommand({
        StartTime: new Date(1_699_999_000_000),
        EndTime: new Date(1_700_001_000_000),
        FilterExpression: 'annotation.orderId = "o-2"',
      }),
    );

    expect(answer.TraceSummaries?.map((s) => [s.Id, s.HasFault])).toEqual([[OTHER, true]]);
  });

  it('answers a bad filter expression with InvalidRequestException', async () => {
    expect.assertions(2);
    await client
      .send(
        new GetTraceSummariesCommand({
          StartTime: new Date(0),
          EndTime: new Date(),
          FilterExpression: 'annotation.orderId ==',
        }),
      )
      .catch((error: Error) => {
        expect(error.name).toBe('InvalidRequestException');
        expect(error.message).toContain('Invalid filter expression');
      });
  });

  it('refuses more than five trace ids and an invalid segment, changing nothing', async () => {
    expect.assertions(3);
    await client
      .send(new BatchGetTracesCommand({ TraceIds: [TRACE, TRACE, TRACE, TRACE, TRACE, TRACE] }))
      .catch((error: Error) => expect(error.name).toBe('InvalidRequestException'));

    const put = await client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: ['{"name":"x"}'] }));

    expect(put.UnprocessedTraceSegments?.[0]?.ErrorCode).toBe('InvalidSegment');
    expect(store.size).toBe(0);
  });
});
