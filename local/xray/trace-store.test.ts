import fc from 'fast-check';
import { TraceStore } from './trace-store';

const TRACE = '1-65f00000-0123456789abcdef01234567';
const seg = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'orders-api',
  id,
  trace_id: TRACE,
  start_time: 100,
  end_time: 101,
  ...extra,
});
const documents = (store: TraceStore): Record<string, unknown>[] =>
  (store.getTrace(TRACE)?.Segments ?? []).map((s) => JSON.parse(s.Document) as Record<string, unknown>);

describe('TraceStore', () => {
  it('nests a subsegment sent on its own under its parent segment', () => {
    // prepare
    const store = new TraceStore();
    // act
    store.add([
      seg('aaaaaaaaaaaaaaaa'),
      {
        type: 'subsegment',
        name: 'DynamoDB',
        id: 'bbbbbbbbbbbbbbbb',
        parent_id: 'aaaaaaaaaaaaaaaa',
        trace_id: TRACE,
        start_time: 100.2,
        end_time: 100.4,
      },
    ]);
    // assess
    const [top] = documents(store);
    expect(store.getTrace(TRACE)?.Segments).toHaveLength(1);
    expect(top?.subsegments).toEqual([
      expect.objectContaining({ id: 'bbbbbbbbbbbbbbbb', name: 'DynamoDB', type: 'subsegment' }),
    ]);
  });

  it('replaces an in-progress segment by its completed version, never the reverse', () => {
    const store = new TraceStore();

    store.add([seg('aaaaaaaaaaaaaaaa', { in_progress: true, end_time: undefined })]);
    store.add([seg('aaaaaaaaaaaaaaaa', { end_time: 102, fault: true })]);
    store.add([seg('aaaaaaaaaaaaaaaa', { in_progress: true, end_time: undefined })]);

    expect(documents(store)[0]).toMatchObject({ end_time: 102, fault: true });
    expect(documents(store)[0]?.in_progress).toBeUndefined();
  });

  it('rejects an invalid document alone and stores nothing for it', () => {
    const store = new TraceStore();

    const outcome = store.add([
      seg('aaaaaaaaaaaaaaaa'),
      { name: 'x', id: 'nothex', trace_id: TRACE, start_time: 1, end_time: 2 },
      '{not json',
    ]);

    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected).toHaveLength(2);
    expect(store.getTrace(TRACE)?.Segments).toHaveLength(1);
  });

  it('drops the trace updated longest ago when the cap is reached', () => {
    const store = new TraceStore({ maxTraces: 2 });
    const ids = [
      '1-65f00000-000000000000000000000001',
      '1-65f00000-000000000000000000000002',
      '1-65f00000-000000000000000000000003',
    ];

    store.add([
      { ...seg('aaaaaaaaaaaaaaaa'), trace_id: ids[0] },
      { ...seg('aaaaaaaaaaaaaaab'), trace_id: ids[1] },
    ]);
    store.add([{ ...seg('aaaaaaaaaaaaaaac'), trace_id: ids[0] }]);
    store.add([{ ...seg('aaaaaaaaaaaaaaad'), trace_id: ids[2] }]);

    expect(store.size).toBe(2);
    expect(store.has(ids[0] as string)).toBe(true);
    expect(store.has(ids[1] as string)).toBe(false);
  });

  it('summarises annotations from subsegments, the fault flag and the partial state', () => {
    const store = new TraceStore();
    store.add([
      seg('aaaaaaaaaaaaaaaa', { start_time: 100, end_time: 103 }),
      {
        name: 'local-charge-payment',
        id: 'cccccccccccccccc',
        trace_id: TRACE,
        parent_id: 'aaaaaaaaaaaaaaaa',
        start_time: 101,
        end_time: 102,
        fault: true,
        subsegments: [
          {
            name: '## index.handler',
            id: 'dddddddddddddddd',
            start_time: 101,
            end_time: 102,
            annotations: { orderId: 'o-1', step: 'ChargePayment' },
          },
        ],
      },
    ]);

    const [summary] = store.summaries(0, 200);

    expect(summary).toMatchObject({
      Id: TRACE,
      HasFault: true,
      HasError: false,
      IsPartial: false,
      Duration: 3,
      ResponseTime: 3,
      Annotations: { orderId: [{ AnnotationValue: { StringValue: 'o-1' } }] },
    });
    expect(summary?.ServiceIds.map((s) => s.Name).sort()).toEqual(['local-charge-payment', 'orders-api']);
  });

  it('assembles the same trace whatever order the pieces arrive in (property)', () => {
    const pieces = [
      seg('aaaaaaaaaaaaaaaa', { start_time: 100, end_time: 105 }),
      {
        type: 'subsegment',
        name: 'EventBridge',
        id: 'bbbbbbbbbbbbbbbb',
        parent_id: 'aaaaaaaaaaaaaaaa',
        trace_id: TRACE,
        start_time: 101,
        end_time: 102,
      },
      {
        type: 'subsegment',
        name: 'retry',
        id: 'cccccccccccccccc',
        parent_id: 'bbbbbbbbbbbbbbbb',
        trace_id: TRACE,
        start_time: 101.5,
        end_time: 101.7,
      },
      {
        name: 'local-start-saga',
        id: 'dddddddddddddddd',
        parent_id: 'bbbbbbbbbbbbbbbb',
        trace_id: TRACE,
        start_time: 103,
        end_time: 104,
      },
      {
        name: 'local-start-saga',
        id: 'dddddddddddddddd',
        parent_id: 'bbbbbbbbbbbbbbbb',
        trace_id: TRACE,
        start_time: 103,
        in_progress: true,
      },
    ];
    const reference = new TraceStore();
    reference.add(pieces);
    const expected = reference.getTrace(TRACE);

    fc.assert(
      fc.property(fc.shuffledSubarray(pieces, { minLength: pieces.length, maxLength: pieces.length }), (order) => {
        const store = new TraceStore();
        for (const piece of order) store.add([piece]);
        expect(store.getTrace(TRACE)).toEqual(expected);
      }),
    );
  });
});
