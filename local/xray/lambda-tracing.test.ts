import AWSXRay from 'aws-xray-sdk-core';
import { LocalLambda } from '../lambda/local-lambda';
import { startDaemonCollector, type RunningDaemonCollector } from './daemon-collector';
import { createLambdaTracing } from './lambda-tracing';
import { parseTraceHeader } from './trace-header';
import { TraceStore } from './trace-store';

const CALLER_TRACE = '1-65f00000-0123456789abcdef01234567';
const CALLER = `Root=${CALLER_TRACE};Parent=53995c3f42cd8ad8;Sampled=1`;

type Document = Record<string, unknown> & { id: string; name: string; subsegments?: Document[] };

describe('active tracing of the local Lambda runtime', () => {
  let store: TraceStore;
  let collector: RunningDaemonCollector;
  let lambda: LocalLambda;

  beforeAll(async () => {
    store = new TraceStore();
    collector = await startDaemonCollector(store);
  });
  afterAll(async () => {
    await collector.close();
  });
  beforeEach(() => {
    store.clear();
    lambda = new LocalLambda({
      region: 'us-east-1',
      baseEnvironment: {},
      tracing: createLambdaTracing({ emit: (document) => store.add([document]), daemonAddress: collector.address }),
    });
  });
  afterEach(() => lambda.stop());

  /** The trace's top-level documents once `count` (sub)segments arrived over UDP and directly. */
  const documentsOf = async (traceId: string, count: number): Promise<Document[]> => {
    const all = (): Document[] =>
      (store.getTrace(traceId)?.Segments ?? []).map((segment) => JSON.parse(segment.Document) as Document);
    const flat = (docs: Document[]): Document[] => docs.flatMap((doc) => [doc, ...flat(doc.subsegments ?? [])]);
    for (let i = 0; i < 200 && flat(all()).length < count; i += 1)
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 10));
    return all();
  };

  /** A handler that opens and closes one subsegment through the X-Ray SDK, as the Powertools Tracer does. */
  const withSubsegment = async (): Promise<{ header: string | undefined; subsegmentParent: string | undefined }> => {
    const parent = AWSXRay.getSegment();
    const subsegment = parent?.addNewSubsegment('## work');
    subsegment?.addAnnotation('orderId', '01J00000000000000000000000');
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 5));
    subsegment?.close();
    return { header: process.env._X_AMZN_TRACE_ID, subsegmentParent: parent?.id };
  };

  it("continues the caller's trace: the function segment hangs under the caller, the handler's subsegments under the function segment", async () => {
    lambda.register({ name: 'step', handler: withSubsegment });

    const outcome = await lambda.invoke('step', {}, { traceHeader: CALLER });
    const seen = outcome.result as { header: string; subsegmentParent: string };
    const [segment] = await documentsOf(CALLER_TRACE, 2);

    const handlerContext = parseTraceHeader(seen.header);
    expect(handlerContext).toEqual({ traceId: CALLER_TRACE, parentId: segment?.id, sampled: true });
    expect(segment).toMatchObject({
      name: 'step',
      parent_id: '53995c3f42cd8ad8',
      origin: 'AWS::Lambda::Function',
      aws: { request_id: outcome.requestId },
    });
    expect(seen.subsegmentParent).toBe(segment?.id);
    expect(segment?.subsegments).toEqual([
      expect.objectContaining({ name: '## work', annotations: { orderId: '01J00000000000000000000000' } }),
    ]);
  });

  it('starts a new sampled trace when the caller passes no header', async () => {
    lambda.register({ name: 'root', handler: withSubsegment });

    const outcome = await lambda.invoke('root', {});
    const context = parseTraceHeader((outcome.result as { header: string }).header);
    const [segment] = await documentsOf(context?.traceId ?? '', 2);

    expect(context?.sampled).toBe(true);
    expect(segment).toMatchObject({ name: 'root', id: context?.parentId });
    expect(segment?.parent_id).toBeUndefined();
  });

  it("records a failing handler as a fault with the error's name and message as its cause", async () => {
    lambda.register({
      name: 'charge',
      handler: async () => {
        const error = new Error('card declined');
        error.name = 'PaymentDeclinedError';
        throw error;
      },
    });

    const outcome = await lambda.invoke('charge', {}, { traceHeader: CALLER });
    const [segment] = await documentsOf(CALLER_TRACE, 1);

    expect(outcome.error?.errorType).toBe('PaymentDeclinedError');
    expect(segment).toMatchObject({
      name: 'charge',
      fault: true,
      cause: { exceptions: [expect.objectContaining({ type: 'PaymentDeclinedError', message: 'card declined' })] },
    });
  });

  it('sends no function segment for an unsampled caller', async () => {
    lambda.register({ name: 'quiet', handler: async () => process.env._X_AMZN_TRACE_ID });

    const outcome = await lambda.invoke(
      'quiet',
      {},
      { traceHeader: `Root=${CALLER_TRACE};Parent=53995c3f42cd8ad8;Sampled=0` },
    );
    // A positive marker instead of a sleep: a sampled call after it sends its segment the same way; once it arrived,
    // a segment of the unsampled call would have arrived too.
    const markerTrace = '1-65f00000-fedcba9876543210fedcba98';
    await lambda.invoke('quiet', {}, { traceHeader: `Root=${markerTrace};Parent=53995c3f42cd8ad8;Sampled=1` });
    const marker = await documentsOf(markerTrace, 1);

    expect(marker).toHaveLength(1);
    expect(parseTraceHeader(outcome.result as string)?.sampled).toBe(false);
    expect(store.has(CALLER_TRACE)).toBe(false);
  });

  it('keeps concurrent invocations in their own X-Ray contexts and leaves none behind for code outside them', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolveGate) => {
      release = resolveGate;
    });
    lambda.register({
      name: 'slow',
      handler: async () => {
        const before = AWSXRay.getSegment()?.id;
        await gate;
        return { before, after: AWSXRay.getSegment()?.id, header: process.env._X_AMZN_TRACE_ID };
      },
    });

    const running = Array.from({ length: 4 }, () => lambda.invoke('slow', {}));
    const outside = AWSXRay.getSegment();
    release();
    const results = (await Promise.all(running)).map(
      (outcome) => outcome.result as { before: string; after: string; header: string },
    );

    expect(outside).toBeUndefined();
    for (const result of results) {
      expect(result.after).toBe(result.before);
      expect(parseTraceHeader(result.header)?.parentId).toBe(result.before);
    }
    expect(new Set(results.map((result) => result.before)).size).toBe(4);
  });
});
