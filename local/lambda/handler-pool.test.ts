import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { startDaemonCollector, type RunningDaemonCollector } from '../xray/daemon-collector';
import { createLambdaTracing } from '../xray/lambda-tracing';
import { parseTraceHeader } from '../xray/trace-header';
import { TraceStore } from '../xray/trace-store';
import { LocalLambda } from './local-lambda';
import type { HandlerPoolOptions } from './types';

const ENTRY = join(__dirname, 'test-support', 'worker-handler.ts');
// Loading TypeScript in a fresh worker (tsx) takes a while on a busy machine.
jest.setTimeout(60_000);

const handlerModule = (functionName: string, colour = 'none') => ({
  entry: ENTRY,
  initEnvironment: { AWS_LAMBDA_FUNCTION_NAME: functionName, COLOUR: colour },
});

describe('Lambda handlers in worker threads', () => {
  let lambda: LocalLambda;
  const started = async (
    pool: Partial<HandlerPoolOptions> = {},
    extra: Partial<ConstructorParameters<typeof LocalLambda>[0]> = {},
  ) => {
    lambda = new LocalLambda({ baseEnvironment: {}, handlerThreads: { threads: 2, ...pool }, ...extra });
    return lambda;
  };
  afterEach(() => lambda?.stop());

  it('runs a function registered by module in a worker thread, with its context and init environment', async () => {
    await started();
    lambda.register({ name: 'where', module: handlerModule('where'), timeoutSeconds: 5 });
    await lambda.loadHandlerModules();

    const outcome = await lambda.invoke('where', { kind: 'where' }, { requestId: 'r-1' });

    const result = outcome.result as Record<string, unknown>;
    expect(outcome.error).toBeUndefined();
    expect(result.threadId).not.toBe(threadId);
    expect(lambda.handlerThreadIds()).toContain(result.threadId);
    expect(result).toMatchObject({ requestId: 'r-1', atLoad: { functionName: 'where' }, functionName: 'where' });
    expect(result.remainingMs).toBeGreaterThan(4_000);
    expect(result.remainingMs).toBeLessThanOrEqual(5_000);
    // As JSON carries a result: a Date becomes its string, an undefined field is gone.
    expect(result.at).toBe('1970-01-01T00:00:00.000Z');
    expect(Object.hasOwn(result, 'missing')).toBe(false);
  });

  it('gives every concurrent invocation in a worker its own process.env', async () => {
    await started({ threads: 1 });
    lambda.register({ name: 'red', module: handlerModule('red'), environment: { COLOUR: 'red' } });
    lambda.register({ name: 'blue', module: handlerModule('blue'), environment: { COLOUR: 'blue' } });

    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => lambda.invoke(i % 2 === 0 ? 'red' : 'blue', { kind: 'environment' })),
    );

    expect(outcomes.map((o) => o.result)).toEqual(
      Array.from({ length: 10 }, (_, i) => {
        const colour = i % 2 === 0 ? 'red' : 'blue';
        return { colour, seen: colour, functionName: colour };
      }),
    );
  });

  it("answers a handler's error with its type, message and stack", async () => {
    await started();
    lambda.register({ name: 'fail', module: handlerModule('fail') });

    const outcome = await lambda.invoke('fail', { kind: 'fail' });

    expect(outcome.error).toMatchObject({ errorType: 'OutOfStockError', errorMessage: 'Only 0 left of SKU-1' });
    expect(outcome.error?.trace?.join('\n')).toContain('worker-handler.ts');
  });

  it('replaces a worker that died; its invocation in flight answers Runtime.ExitError', async () => {
    await started({ threads: 1 });
    lambda.register({ name: 'crash', module: handlerModule('crash'), timeoutSeconds: 30 });
    const before = lambda.handlerThreadIds();

    const crashed = await lambda.invoke('crash', { kind: 'crash' });
    const after = await lambda.invoke('crash', { kind: 'where' });

    expect(crashed.error?.errorType).toBe('Runtime.ExitError');
    expect(crashed.error?.errorMessage).toContain(crashed.requestId);
    expect(crashed.error?.errorMessage).toContain('a handler bug outside any promise');
    expect(after.error).toBeUndefined();
    expect((after.result as { threadId: number }).threadId).not.toBe(before[0]);
    expect(lambda.handlerPoolStats()).toMatchObject({ restarts: 1, running: 0 });
  });

  it('queues a burst in the engine rather than in the workers, the wait outside the invocation and its timeout', async () => {
    await started({ threads: 1, maxConcurrentPerThread: 2 });
    lambda.register({ name: 'slow', module: handlerModule('slow'), timeoutSeconds: 1 });
    await lambda.loadHandlerModules();

    const burst = Array.from({ length: 12 }, () => lambda.invoke('slow', { kind: 'sleep', ms: 200 }));
    const during = lambda.handlerPoolStats();
    const outcomes = await Promise.all(burst);

    // 12 x 200 ms two at a time is 1.2 s: past the 1 s timeout had the wait counted.
    expect(during).toMatchObject({ running: 2, queued: 10 });
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(lambda.handlerPoolStats()).toMatchObject({ running: 0, queued: 0, maxQueued: 10 });
  });

  it('still times an invocation out, as the engine does in-process', async () => {
    await started();
    lambda.register({ name: 'late', module: handlerModule('late'), timeoutSeconds: 1 });

    const outcome = await lambda.invoke('late', { kind: 'sleep', ms: 3_000 });

    expect(outcome.error?.errorType).toBe('Sandbox.Timedout');
  });

  it('keeps injected faults in the engine', async () => {
    await started();
    lambda.register({ name: 'faulty', module: handlerModule('faulty') });
    lambda.injectFault('faulty', { failNext: 1 });

    const [first, second] = [
      await lambda.invoke('faulty', { kind: 'where' }),
      await lambda.invoke('faulty', { kind: 'where' }),
    ];

    expect(first.error?.errorType).toBe('InjectedFaultError');
    expect(second.error).toBeUndefined();
  });

  it('ends the workers on stop: an invocation in flight answers Runtime.ExitError at once', async () => {
    await started();
    lambda.register({ name: 'long', module: handlerModule('long'), timeoutSeconds: 60 });
    await lambda.loadHandlerModules();

    const running = lambda.invoke('long', { kind: 'sleep', ms: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = Date.now();
    await lambda.stop();
    const outcome = await running;

    expect(outcome.error?.errorType).toBe('Runtime.ExitError');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });

  it('fails the load of a module that cannot load, naming its entry, as the start would in-process', async () => {
    expect.assertions(1);
    await started({ threads: 1 });
    const entry = join(__dirname, 'test-support', 'no-such-handler.ts');
    lambda.register({ name: 'missing', module: { entry, initEnvironment: {} } });

    await expect(lambda.loadHandlerModules()).rejects.toThrow(entry);
  });

  it('refuses a module when the engine has no handler threads', () => {
    lambda = new LocalLambda({ baseEnvironment: {} });

    expect(() => lambda.register({ name: 'nowhere', module: handlerModule('nowhere') })).toThrow(/handlerThreads/);
  });

  const linux = process.platform === 'linux' ? it : it.skip;
  linux("lowers the workers' threads only: the engine's thread keeps its priority", async () => {
    const niceOf = (task: string): number => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // Fields after the parenthesised name; nice is field 19 of the whole line.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const nice = (): number[] => readdirSync('/proc/self/task').map(niceOf);
    // Relative to this process's own value: a runner that is already nice keeps it (the workers only ever lower).
    const own = niceOf(String(process.pid));
    const target = Math.min(19, own + 7);
    const before = nice().filter((value) => value === target).length;
    await started({ threads: 2, niceness: target });
    lambda.register({ name: 'where', module: handlerModule('where') });
    await lambda.loadHandlerModules();

    const lowered = nice().filter((value) => value === target).length - before;

    expect(lowered).toBe(2);
    expect(niceOf(String(process.pid))).toBe(own);
  });

  describe('with active tracing', () => {
    let store: TraceStore;
    let collector: RunningDaemonCollector;
    beforeAll(async () => {
      store = new TraceStore();
      collector = await startDaemonCollector(store);
    });
    afterAll(() => collector.close());

    it("hangs the handler's subsegments under the function segment the engine emits", async () => {
      const tracing = createLambdaTracing({
        emit: (document) => store.add([document]),
        daemonAddress: collector.address,
      });
      await started({ daemonAddress: collector.address }, { tracing });
      lambda.register({ name: 'traced', module: handlerModule('traced') });
      const caller = 'Root=1-65f00000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';

      const outcome = await lambda.invoke('traced', { kind: 'trace' }, { traceHeader: caller });
      const seen = outcome.result as { header: string; parentId: string; threadId: number };
      type Document = { id: string; name: string; parent_id?: string; subsegments?: { name: string }[] };
      let segment: Document | undefined;
      for (let i = 0; i < 300 && segment?.subsegments === undefined; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        segment = (store.getTrace('1-65f00000-0123456789abcdef01234567')?.Segments ?? [])
          .map((s) => JSON.parse(s.Document) as Document)
          .find((d) => d.name === 'traced');
      }

      expect(seen.threadId).not.toBe(threadId);
      expect(parseTraceHeader(seen.header)?.parentId).toBe(segment?.id);
      expect(seen.parentId).toBe(segment?.id);
      expect(segment).toMatchObject({ parent_id: '53995c3f42cd8ad8' });
      expect(segment?.subsegments).toEqual([expect.objectContaining({ name: '## work' })]);
    });
  });
});
