import {
  InjectedFaultError,
  LambdaFunctionNotFoundError,
  LambdaInvalidParameterError,
  LocalLambda,
  type LambdaContext,
} from './local-lambda';

class OutOfStockError extends Error {
  constructor() {
    super('no stock for sku-1');
    this.name = 'OutOfStockError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LocalLambda', () => {
  let lambda: LocalLambda;

  beforeEach(() => {
    lambda = new LocalLambda({ region: 'us-east-1', baseEnvironment: { BASE: 'base' } });
  });
  afterEach(() => lambda.stop());

  it('invokes a handler with a Lambda-shaped context and answers its result', async () => {
    let seen: LambdaContext | undefined;
    lambda.register({
      name: 'echo',
      timeoutSeconds: 5,
      memoryMb: 256,
      handler: async (event, context) => {
        seen = context;
        const remaining = context.getRemainingTimeInMillis();
        return { got: event, remaining, at: Date.now() };
      },
    });
    const invokedAt = Date.now();

    const outcome = await lambda.invoke('echo', { a: 1 });

    expect(outcome.result).toEqual({ got: { a: 1 }, remaining: expect.any(Number), at: expect.any(Number) });
    // The deadline is 5 s after the invocation began, which lies between invokedAt and the handler's reading.
    const { remaining, at } = outcome.result as { remaining: number; at: number };
    expect(remaining).toBeLessThanOrEqual(5_000);
    expect(remaining).toBeGreaterThanOrEqual(invokedAt + 5_000 - at);
    expect(seen).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      memoryLimitInMB: '256',
      awsRequestId: outcome.requestId,
      logGroupName: '/aws/lambda/echo',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(seen?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('invokes by ARN and answers LambdaFunctionNotFoundError for an unknown function', async () => {
    expect.assertions(2);
    lambda.register({ name: 'f', handler: async () => 'ok' });

    const byArn = await lambda.invoke('arn:aws:lambda:us-east-1:000000000000:function:f', {});
    await lambda.invoke('nope', {}).catch((error: Error) => expect(error).toBeInstanceOf(LambdaFunctionNotFoundError));

    expect(byArn.result).toBe('ok');
  });

  it('answers a thrown error as {errorType: error.name, errorMessage}', async () => {
    lambda.register({
      name: 'reserve',
      handler: async () => {
        throw new OutOfStockError();
      },
    });

    const outcome = await lambda.invoke('reserve', {});

    expect(outcome.error).toMatchObject({ errorType: 'OutOfStockError', errorMessage: 'no stock for sku-1' });
    expect(outcome.result).toBeUndefined();
  });

  it('gives concurrent invocations of different functions their own process.env, and leaks nothing to the host', async () => {
    const read = (key: string) => async () => {
      const before = process.env[key];
      process.env.WRITTEN = process.env.AWS_LAMBDA_FUNCTION_NAME;
      await sleep(30);
      return {
        before,
        after: process.env[key],
        written: process.env.WRITTEN,
        service: process.env.POWERTOOLS_SERVICE_NAME,
        trace: process.env._X_AMZN_TRACE_ID,
        base: process.env.BASE,
      };
    };
    lambda.register({ name: 'one', environment: { TABLE: 'table-one' }, handler: read('TABLE') });
    lambda.register({
      name: 'two',
      environment: { TABLE: 'table-two', POWERTOOLS_SERVICE_NAME: 'custom' },
      handler: read('TABLE'),
    });

    const [one, two] = await Promise.all([lambda.invoke('one', {}), lambda.invoke('two', {})]);

    expect(one.result).toMatchObject({
      before: 'table-one',
      after: 'table-one',
      written: 'one',
      service: 'one',
      base: 'base',
    });
    expect(two.result).toMatchObject({
      before: 'table-two',
      after: 'table-two',
      written: 'two',
      service: 'custom',
      base: 'base',
    });
    expect((one.result as { trace: string }).trace).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    expect(process.env.WRITTEN).toBeUndefined();
    expect(process.env.TABLE).toBeUndefined();
  });

  it('times out a handler that runs past its timeout with Sandbox.Timedout, at the timeout and not before', async () => {
    // A fake clock: the timeout is shown to fire at 1 s of the clock, not bounded by the wall clock of this machine.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      lambda.register({ name: 'slow', timeoutSeconds: 1, handler: () => new Promise(() => undefined) });
      let settled = false;

      const invoking = lambda.invoke('slow', {}).finally(() => (settled = true));
      await jest.advanceTimersByTimeAsync(999);
      const settledBeforeTimeout = settled;
      await jest.advanceTimersByTimeAsync(1);
      const outcome = await invoking;

      expect(settledBeforeTimeout).toBe(false);
      expect(outcome.error?.errorType).toBe('Sandbox.Timedout');
      expect(outcome.error?.errorMessage).toContain('Task timed out after 1.00 seconds');
    } finally {
      jest.useRealTimers();
    }
  });

  it('fails the next N invocations with InjectedFaultError, then runs normally again', async () => {
    lambda.register({ name: 'f', handler: async () => 'ok' });
    lambda.injectFault('f', { failNext: 2 });

    const outcomes = [await lambda.invoke('f', {}), await lambda.invoke('f', {}), await lambda.invoke('f', {})];

    expect(outcomes.map((outcome) => outcome.error?.errorType ?? outcome.result)).toEqual([
      new InjectedFaultError('f').name,
      'InjectedFaultError',
      'ok',
    ]);
  });

  it('lists the faults in force with their counters as they run down, and none after clearing', async () => {
    // prepare
    lambda.register({ name: 'f', handler: async () => 'ok' });
    lambda.injectFault('f', { failNext: 2, latencyMs: 5 });
    // act
    await lambda.invoke('f', {});
    const afterOne = lambda.listFaults();
    lambda.clearFaults();
    // assess
    expect(afterOne).toEqual([
      { function: 'f', faults: expect.objectContaining({ failNext: 1, latencyMs: 5, probability: 0 }) },
    ]);
    expect(lambda.listFaults()).toEqual([]);
  });

  it('fails by probability with the injected random source, adds latency, and clears', async () => {
    const rolls = [0.1, 0.9];
    const faulty = new LocalLambda({ random: () => rolls.shift() ?? 0 });
    faulty.register({ name: 'f', handler: async () => 'ok' });
    faulty.injectFault('f', { probability: 0.5, latencyMs: 50 });
    const started = Date.now();

    const first = await faulty.invoke('f', {});
    const second = await faulty.invoke('f', {});
    const elapsed = Date.now() - started;
    faulty.clearFaults();
    const third = await faulty.invoke('f', {});

    expect(first.error?.errorType).toBe('InjectedFaultError');
    expect(second.result).toBe('ok');
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(third.result).toBe('ok');
    await faulty.stop();
  });

  it('fails the next N invocations after the handler ran: the effect is made, the answer is the injected errorType', async () => {
    let effects = 0;
    lambda.register({ name: 'f', handler: async () => (effects += 1) });
    lambda.injectFault('f', { failAfterNext: 1, errorType: 'Lambda.Unknown' });

    const outcomes = [await lambda.invoke('f', {}), await lambda.invoke('f', {})];

    expect(outcomes.map((outcome) => outcome.error?.errorType ?? outcome.result)).toEqual(['Lambda.Unknown', 2]);
    expect(effects).toBe(2);
  });

  it('holds a result back past the function timeout: the caller gets Sandbox.Timedout although the handler finished', async () => {
    let finished = false;
    lambda.register({ name: 'late', timeoutSeconds: 1, handler: async () => (finished = true) });
    lambda.injectFault('late', { resultDelayMs: 5_000 });

    const outcome = await lambda.invoke('late', {});

    expect(outcome.error?.errorType).toBe('Sandbox.Timedout');
    expect(finished).toBe(true);
  });

  it('holds back only the next N results with delayNext: one late answer past the timeout, then answers on time', async () => {
    lambda.register({ name: 'once-late', timeoutSeconds: 1, handler: async () => 'ok' });
    lambda.injectFault('once-late', { resultDelayMs: 1_500, delayNext: 1 });

    const late = await lambda.invoke('once-late', {});
    const started = Date.now();
    const onTime = await lambda.invoke('once-late', {});

    expect(late.error?.errorType).toBe('Sandbox.Timedout');
    expect(onTime.result).toBe('ok');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lambda.listFaults()).toEqual([
      expect.objectContaining({ function: 'once-late', faults: expect.objectContaining({ delayNext: 0 }) }),
    ]);
  });

  it('refuses delayNext without a resultDelayMs to count', () => {
    lambda.register({ name: 'f', handler: async () => 'ok' });

    expect(() => lambda.injectFault('f', { delayNext: 1 })).toThrow(LambdaInvalidParameterError);
  });

  it('refuses an invalid fault spec and keeps the previous faults', async () => {
    expect.assertions(2);
    lambda.register({ name: 'f', handler: async () => 'ok' });
    lambda.injectFault('f', { failNext: 1 });

    try {
      lambda.injectFault('f', { probability: 2 });
    } catch (error) {
      expect(error).toBeInstanceOf(LambdaInvalidParameterError);
    }

    expect((await lambda.invoke('f', {})).error?.errorType).toBe('InjectedFaultError');
  });
});
