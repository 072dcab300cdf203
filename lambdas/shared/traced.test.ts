type Loaded = { traced: typeof import('./traced').traced; tracer: typeof import('./powertools').tracer };

const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'reserve-inventory',
  LAMBDA_TASK_ROOT: '/var/task',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};

/**
 * Runs `body` with the helper loaded afresh inside a Lambda environment (tracing on, a sampled trace as Lambda gives
 * it). The X-Ray SDK picks its Lambda mode from LAMBDA_TASK_ROOT at load and reads the trace id whenever it is asked
 * for the segment, so the environment stays set while `body` runs.
 */
const inLambda = async (body: (loaded: Loaded) => Promise<void>): Promise<void> => {
  const previous = Object.fromEntries(Object.keys(LAMBDA_ENV).map((key) => [key, process.env[key]]));
  Object.assign(process.env, LAMBDA_ENV);
  try {
    let loaded: Loaded | undefined;
    jest.isolateModules(() => {
      loaded = {
        traced: (require('./traced') as typeof import('./traced')).traced,
        tracer: (require('./powertools') as typeof import('./powertools')).tracer,
      };
    });
    await body(loaded as Loaded);
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
};

interface SegmentView {
  readonly name: string;
  readonly annotations?: Record<string, string>;
  readonly fault?: boolean;
}

describe('traced', () => {
  it('runs the work as is when tracing is off', async () => {
    const { traced } = require('./traced') as typeof import('./traced');

    const result = await traced('## Step', { orderId: 'o1' }, async () => 'done');

    expect(result).toBe('done');
  });

  it('runs the work in a subsegment carrying the annotations, then restores the parent segment', () =>
    inLambda(async ({ traced, tracer }) => {
      const parent = tracer.getSegment();
      let inside: SegmentView | undefined;

      const result = await traced('## ReserveInventory', { orderId: 'o1', step: 'ReserveInventory' }, async () => {
        inside = tracer.getSegment() as unknown as SegmentView;
        return 42;
      });

      expect(result).toBe(42);
      expect(inside?.name).toBe('## ReserveInventory');
      expect(inside?.annotations).toEqual({ orderId: 'o1', step: 'ReserveInventory' });
      expect(tracer.getSegment()).toBe(parent);
    }));

  it('records a thrown error on the subsegment and rethrows it', () =>
    inLambda(async ({ traced, tracer }) => {
      expect.assertions(3);
      const parent = tracer.getSegment();
      const failure = new Error('boom');
      let inside: SegmentView | undefined;

      await expect(
        traced('## send-email', { processor: 'send-email' }, async () => {
          inside = tracer.getSegment() as unknown as SegmentView;
          throw failure;
        }),
      ).rejects.toBe(failure);

      expect(inside?.fault).toBe(true);
      expect(tracer.getSegment()).toBe(parent);
    }));
});
