import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import http from 'node:http';
import { startEdge, type RunningEdge } from '../edge/server';
import { parseTraceHeader } from '../xray/trace-header';
import { LocalStepFunctions, type InvokeOutcome } from './local-step-functions';

/** Runs `work` in an X-Ray (cls) context whose segment is unset, whatever context the caller runs in. */
/**
 * Runs `work` with its HTTP requests going out through Node's own `http.request`: the X-Ray SDK's global capture (a
 * Powertools Tracer loaded by an earlier file of this jest worker patches it) adds an X-Amzn-Trace-Id header beneath
 * every client, and in Lambda mode (an earlier file set LAMBDA_TASK_ROOT) it does so from a no-op facade segment
 * (`Root=1-00000000-...;Sampled=0`) whatever the context holds. The SDK keeps the original as `__request`.
 */
const outsideXRayHttpCapture = async <T>(work: () => Promise<T>): Promise<T> => {
  const module = http as unknown as { request: typeof http.request; __request?: typeof http.request };
  const captured = module.request;
  if (module.__request === undefined) return work();
  module.request = module.__request;
  try {
    return await work();
  } finally {
    module.request = captured;
  }
};

const fn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const CALLER_TRACE = '1-65f00000-0123456789abcdef01234567';
const CALLER = `Root=${CALLER_TRACE};Parent=53995c3f42cd8ad8;Sampled=1`;

const sagaLike = JSON.stringify({
  StartAt: 'ChargePayment',
  States: {
    ChargePayment: {
      Type: 'Task',
      Resource: fn('charge'),
      Retry: [{ ErrorEquals: ['TransientDependencyError'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['PaymentDeclinedError'], ResultPath: '$.error', Next: 'ReleaseInventory' }],
      Next: 'Done',
    },
    ReleaseInventory: { Type: 'Task', Resource: fn('release'), Next: 'Failed' },
    Failed: { Type: 'Fail', Error: 'OrderFailed', Cause: 'payment declined' },
    Done: { Type: 'Succeed' },
  },
});

type Emitted = Record<string, unknown> & { id: string; name: string; trace_id: string; parent_id?: string };

describe('X-Ray tracing of local Step Functions executions', () => {
  let emitted: Emitted[];
  let invocations: { arn: string; traceHeader: string | undefined }[];
  let scripts: Map<string, InvokeOutcome[]>;
  let sfn: LocalStepFunctions;
  let machineArn: string;

  beforeEach(() => {
    emitted = [];
    invocations = [];
    scripts = new Map();
    sfn = new LocalStepFunctions({
      region: 'us-east-1',
      timeScale: 0.001,
      emitSegment: (document) => emitted.push(document as Emitted),
      invoke: async (arn, _payload, options) => {
        invocations.push({ arn, traceHeader: options?.traceHeader });
        return scripts.get(arn)?.shift() ?? { result: { ok: true } };
      },
    });
    machineArn = sfn.createStateMachine({ name: 'saga', definition: sagaLike }).stateMachineArn;
  });
  afterEach(() => sfn.shutdown());

  it('records nothing of an execution whose caller did not sample its trace, and passes Sampled=0 on to the tasks', async () => {
    const unsampled = `Root=${CALLER_TRACE};Parent=53995c3f42cd8ad8;Sampled=0`;

    const { executionArn } = sfn.startExecution(machineArn, '{"orderId":"o-0"}', 'o-0', unsampled);
    await sfn.waitForExecution(executionArn);

    expect(emitted).toEqual([]);
    expect(invocations.map((invocation) => parseTraceHeader(invocation.traceHeader ?? '')?.sampled)).toEqual([false]);
  });

  it('makes one execution segment under the caller, one subsegment per task attempt, faulted where the attempt failed', async () => {
    scripts.set(fn('charge'), [
      { error: { errorType: 'TransientDependencyError', errorMessage: 'ledger busy' } },
      { error: { errorType: 'PaymentDeclinedError', errorMessage: 'insufficient_funds' } },
    ]);

    const { executionArn } = sfn.startExecution(machineArn, '{"orderId":"o-1"}', 'o-1', CALLER);
    await sfn.waitForExecution(executionArn);

    const execution = emitted.find((document) => document.origin === 'AWS::StepFunctions::StateMachine');
    const attempts = emitted.filter((document) => document.type === 'subsegment');
    expect(execution).toMatchObject({
      name: 'saga',
      trace_id: CALLER_TRACE,
      parent_id: '53995c3f42cd8ad8',
      fault: true,
      aws: { execution_arn: executionArn, execution_status: 'FAILED' },
    });
    expect(attempts.map((attempt) => [attempt.name, attempt.fault === true])).toEqual([
      ['ChargePayment', true],
      ['ChargePayment', true],
      ['ReleaseInventory', false],
    ]);
    expect(attempts[1]).toMatchObject({
      cause: { exceptions: [expect.objectContaining({ type: 'PaymentDeclinedError', message: 'insufficient_funds' })] },
    });
    for (const attempt of attempts) expect(attempt).toMatchObject({ trace_id: CALLER_TRACE, parent_id: execution?.id });
  });

  it('invokes each task attempt with a trace header parented on that attempt subsegment', async () => {
    scripts.set(fn('charge'), [{ error: { errorType: 'TransientDependencyError', errorMessage: 'ledger busy' } }]);

    const { executionArn } = sfn.startExecution(machineArn, '{}', undefined, CALLER);
    await sfn.waitForExecution(executionArn);

    const attempts = emitted.filter((document) => document.type === 'subsegment');
    expect(invocations.map((invocation) => parseTraceHeader(invocation.traceHeader))).toEqual(
      attempts.map((attempt) => ({ traceId: CALLER_TRACE, parentId: attempt.id, sampled: true })),
    );
    expect(attempts).toHaveLength(2);
  });

  it('starts a new trace for an execution started without a trace header, and marks a success as no fault', async () => {
    const { executionArn } = sfn.startExecution(machineArn, '{}');
    await sfn.waitForExecution(executionArn);

    const execution = emitted.find((document) => document.origin === 'AWS::StepFunctions::StateMachine');
    expect(execution?.trace_id).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(execution?.parent_id).toBeUndefined();
    expect(execution?.fault).toBeUndefined();
    expect(emitted.filter((document) => document.type === 'subsegment').map((attempt) => attempt.name)).toEqual([
      'ChargePayment',
    ]);
  });

  it('invokes tasks without a trace header and emits nothing when tracing is off', async () => {
    const untraced = new LocalStepFunctions({
      region: 'us-east-1',
      invoke: async (arn, _payload, options) => {
        invocations.push({ arn, traceHeader: options?.traceHeader });
        return { result: {} };
      },
    });
    const arn = untraced.createStateMachine({ name: 'saga', definition: sagaLike }).stateMachineArn;

    const { executionArn } = untraced.startExecution(arn, '{}', undefined, CALLER);
    await untraced.waitForExecution(executionArn);
    await untraced.shutdown();

    expect(invocations).toEqual([{ arn: fn('charge'), traceHeader: undefined }]);
    expect(emitted).toEqual([]);
  });

  describe('through the SFN API on the edge', () => {
    let edge: RunningEdge;
    let client: SFNClient;
    const OTHER_TRACE = '1-65f00001-0123456789abcdef01234567';

    // What the edge received: the trace header of each request, to tell a leftover header from a wrong engine.
    let receivedHeaders: (string | string[] | undefined)[];
    // A test file that ran earlier in this worker may have left a Lambda's environment behind: with it, the SDK and a
    // globally captured http add a trace header of their own (possibly Sampled=0) beneath any client middleware.
    const lambdaEnvironment = ['_X_AMZN_TRACE_ID', 'AWS_LAMBDA_FUNCTION_NAME', 'LAMBDA_TASK_ROOT'] as const;
    const saved = new Map<string, string | undefined>();
    beforeAll(() => {
      for (const name of lambdaEnvironment) {
        saved.set(name, process.env[name]);
        delete process.env[name];
      }
    });
    afterAll(() => {
      for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
    });

    beforeEach(async () => {
      receivedHeaders = [];
      edge = await startEdge({
        services: [sfn],
        observe: (request) => receivedHeaders.push(request.headers['x-amzn-trace-id']),
      });
      client = new SFNClient({
        endpoint: edge.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
    });
    afterEach(async () => {
      client.destroy();
      await edge.close();
    });

    const withRequestHeader = (header: string): void => {
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = header;
          return next(args);
        },
        { step: 'build', name: 'traceHeaderForTest' },
      );
    };

    it('prefers the request X-Amzn-Trace-Id (a captured client) over the traceHeader parameter, as AWS does', async () => {
      withRequestHeader(CALLER);

      const started = await client.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          input: '{}',
          traceHeader: `Root=${OTHER_TRACE};Parent=1111111111111111;Sampled=1`,
        }),
      );
      await sfn.waitForExecution(started.executionArn ?? '');

      expect(emitted.find((document) => document.origin === 'AWS::StepFunctions::StateMachine')).toMatchObject({
        trace_id: CALLER_TRACE,
        parent_id: '53995c3f42cd8ad8',
      });
    });

    it('continues the traceHeader parameter when the request carries no header', async () => {
      // The SDK adds X-Amzn-Trace-Id by itself when the process looks like a Lambda (an earlier test file in this
      // worker may have left _X_AMZN_TRACE_ID set): take it off last, so the request truly carries none.
      client.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          for (const name of Object.keys(headers)) if (name.toLowerCase() === 'x-amzn-trace-id') delete headers[name];
          return next(args);
        },
        { step: 'finalizeRequest', name: 'noTraceHeaderForTest' },
      );
      // The X-Ray SDK's global http capture, if an earlier file of this worker loaded it, would add a header beneath
      // the client (seen in CI as `Root=1-00000000-...;Sampled=0`, Lambda mode's no-op segment): send around it.
      const started = await outsideXRayHttpCapture(() =>
        client.send(
          new StartExecutionCommand({
            stateMachineArn: machineArn,
            input: '{}',
            traceHeader: `Root=${OTHER_TRACE};Parent=1111111111111111;Sampled=1`,
          }),
        ),
      );
      await sfn.waitForExecution(started.executionArn ?? '');

      expect(receivedHeaders).toEqual([undefined]);
      expect(emitted.find((document) => document.origin === 'AWS::StepFunctions::StateMachine')).toMatchObject({
        trace_id: OTHER_TRACE,
        parent_id: '1111111111111111',
      });
    });

    it('refuses a traceHeader over 256 characters and starts nothing', async () => {
      expect.assertions(2);
      try {
        await client.send(
          new StartExecutionCommand({ stateMachineArn: machineArn, input: '{}', traceHeader: 'x'.repeat(257) }),
        );
      } catch (error) {
        expect((error as Error).name).toBe('ValidationException');
      }
      expect(invocations).toEqual([]);
    });
  });
});
