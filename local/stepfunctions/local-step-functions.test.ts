import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalStepFunctions, type InvokeOutcome } from './local-step-functions';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const fn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** Local functions for the tests: each answers from a script of outcomes, then from its default. */
class ScriptedFunctions {
  readonly calls: { arn: string; payload: unknown }[] = [];
  private readonly scripts = new Map<string, InvokeOutcome[]>();
  private readonly blockers = new Map<string, Promise<void>>();

  script(name: string, ...outcomes: InvokeOutcome[]): void {
    this.scripts.set(fn(name), outcomes);
  }

  block(name: string, until: Promise<void>): void {
    this.blockers.set(fn(name), until);
  }

  invoke = async (arn: string, payload: unknown): Promise<InvokeOutcome> => {
    this.calls.push({ arn, payload });
    await this.blockers.get(arn);
    const next = this.scripts.get(arn)?.shift();
    return next ?? { result: { handledBy: arn.split(':').at(-1), payload } };
  };
}

const retryCatchMachine = JSON.stringify({
  StartAt: 'Charge',
  States: {
    Charge: {
      Type: 'Task',
      Resource: fn('charge'),
      ResultPath: '$.charge',
      Retry: [
        {
          ErrorEquals: ['TransientDependencyError'],
          IntervalSeconds: 1,
          MaxAttempts: 3,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [{ ErrorEquals: ['PaymentDeclinedError'], ResultPath: '$.error', Next: 'Compensate' }],
      Next: 'Done',
    },
    Compensate: { Type: 'Task', Resource: fn('compensate'), Next: 'Failed' },
    Failed: { Type: 'Fail', Error: 'OrderFailed', Cause: 'payment declined' },
    Done: { Type: 'Succeed' },
  },
});

describe('local Step Functions through the unmodified SFN client', () => {
  let edge: RunningEdge;
  let sfn: SFNClient;
  let functions: ScriptedFunctions;
  let local: LocalStepFunctions;
  let counter = 0;

  const createMachine = async (definition: string): Promise<string> => {
    counter += 1;
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: `machine-${counter}`,
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sfn',
      }),
    );
    return created.stateMachineArn ?? '';
  };

  const runToEnd = async (stateMachineArn: string, input: unknown, name?: string) => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
    await local.waitForExecution(started.executionArn ?? '');
    return sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
  };

  const historyTypes = async (executionArn: string | undefined): Promise<string[]> => {
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    return (history.events ?? []).map((event) => event.type ?? '');
  };

  beforeAll(async () => {
    functions = new ScriptedFunctions();
    local = new LocalStepFunctions({ invoke: functions.invoke, timeScale: 0.01 });
    edge = await startEdge({ services: [local] });
    sfn = new SFNClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    await local.shutdown();
    sfn.destroy();
    await edge.close();
  });

  it('retries a transient function error, then succeeds, with AWS history events in order', async () => {
    const arn = await createMachine(retryCatchMachine);
    functions.script(
      'charge',
      { error: { errorType: 'TransientDependencyError', errorMessage: 'psp timeout' } },
      { error: { errorType: 'TransientDependencyError', errorMessage: 'psp timeout' } },
      { result: { chargeId: 'ch_1' } },
    );

    const execution = await runToEnd(arn, { orderId: 'o-1' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '')).toEqual({ orderId: 'o-1', charge: { chargeId: 'ch_1' } });
    expect(await historyTypes(execution.executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('routes a business error to Catch with Error = errorType, runs the compensation and fails through the Fail state', async () => {
    const arn = await createMachine(retryCatchMachine);
    functions.script('charge', { error: { errorType: 'PaymentDeclinedError', errorMessage: 'card declined' } });
    const before = functions.calls.length;

    const execution = await runToEnd(arn, { orderId: 'o-2' });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'payment declined' });
    expect(execution.stopDate).toBeInstanceOf(Date);
    const compensation = functions.calls.slice(before).find((call) => call.arn === fn('compensate'));
    expect(compensation?.payload).toMatchObject({ orderId: 'o-2', error: { Error: 'PaymentDeclinedError' } });
    expect(JSON.parse((compensation!.payload as { error: { Cause: string } }).error.Cause)).toMatchObject({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'card declined',
    });
    expect(await historyTypes(execution.executionArn)).toContain('FailStateEntered');
  });

  it('fails the execution with the function error when retries are exhausted and nothing catches it', async () => {
    const arn = await createMachine(retryCatchMachine);
    const transient = { error: { errorType: 'TransientDependencyError', errorMessage: 'still down' } };
    functions.script('charge', transient, transient, transient, transient);

    const execution = await runToEnd(arn, { orderId: 'o-3' });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'TransientDependencyError' });
    expect(JSON.parse(execution.cause ?? '')).toMatchObject({ errorMessage: 'still down' });
    expect((await historyTypes(execution.executionArn)).filter((type) => type === 'LambdaFunctionFailed')).toHaveLength(
      4,
    );
  });

  it('scales Retry waits down by timeScale: retries of 1 s, 2 s, 4 s wait 10, 20 and 40 ms of the clock', async () => {
    // A fake clock, not the wall clock: the engine alone, without the edge's sockets, so only its timers advance.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const scripted = new ScriptedFunctions();
    const engine = new LocalStepFunctions({ invoke: scripted.invoke, timeScale: 0.01 });
    try {
      const { stateMachineArn } = engine.createStateMachine({
        name: 'scaled-retries',
        definition: retryCatchMachine.replace('"FULL"', '"NONE"'),
      });
      const transient = { error: { errorType: 'TransientDependencyError', errorMessage: 'flaky' } };
      scripted.script('charge', transient, transient, transient, { result: 'ok' });

      const { executionArn } = engine.startExecution(stateMachineArn, JSON.stringify({ orderId: 'o-4' }));
      await jest.advanceTimersByTimeAsync(10 + 20 + 40 - 1);
      const callsJustBefore = scripted.calls.length;
      const statusJustBefore = engine.describeExecution(executionArn).status;
      await jest.advanceTimersByTimeAsync(1);

      expect(callsJustBefore).toBe(3);
      expect(statusJustBefore).toBe('RUNNING');
      expect(await engine.waitForExecution(executionArn)).toBe('SUCCEEDED');
      expect(scripted.calls).toHaveLength(4);
    } finally {
      jest.useRealTimers();
      await engine.shutdown();
    }
  });

  it('invokes the function named by arn:aws:states:::lambda:invoke and wraps its answer in Payload', async () => {
    const arn = await createMachine(
      JSON.stringify({
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: fn('echo'), 'Payload.$': '$' },
            ResultSelector: { 'answer.$': '$.Payload' },
            End: true,
          },
        },
      }),
    );

    const execution = await runToEnd(arn, { n: 1 });

    expect(JSON.parse(execution.output ?? '')).toEqual({ answer: { handledBy: 'echo', payload: { n: 1 } } });
    expect(await historyTypes(execution.executionArn)).toEqual(
      expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSucceeded']),
    );
  });

  it('answers a running execution again for the same name and input, and ExecutionAlreadyExists for another input', async () => {
    expect.assertions(3);
    const arn = await createMachine(retryCatchMachine);
    let release!: () => void;
    functions.block('charge', new Promise<void>((resolve) => (release = resolve)));
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'order-o-5', input: '{"orderId":"o-5"}' }),
    );

    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'order-o-5', input: '{"orderId":"o-5"}' }),
    );
    await sfn
      .send(new StartExecutionCommand({ stateMachineArn: arn, name: 'order-o-5', input: '{"orderId":"other"}' }))
      .catch((error: Error) => expect(error.name).toBe('ExecutionAlreadyExists'));

    expect(again.executionArn).toBe(first.executionArn);
    release();
    functions.block('charge', Promise.resolve());
    expect(await local.waitForExecution(first.executionArn ?? '')).toBe('SUCCEEDED');
  });

  it('stops a running execution (ABORTED with the given error) and lists executions by status', async () => {
    const arn = await createMachine(retryCatchMachine);
    let release!: () => void;
    functions.block('charge', new Promise<void>((resolve) => (release = resolve)));
    const running = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
    const listedRunning = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }));

    await sfn.send(
      new StopExecutionCommand({ executionArn: running.executionArn, error: 'Operator', cause: 'test stop' }),
    );
    release();
    functions.block('charge', Promise.resolve());

    expect(listedRunning.executions?.map((e) => e.executionArn)).toEqual([running.executionArn]);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'test stop',
    });
    expect(
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }))).executions,
    ).toEqual([]);
    expect(
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'ABORTED' }))).executions,
    ).toHaveLength(1);
    expect((await historyTypes(running.executionArn)).at(-1)).toBe('ExecutionAborted');
  });

  it('creates a state machine idempotently by name and definition, and refuses another definition under the same name', async () => {
    expect.assertions(3);
    const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const first = await sfn.send(
      new CreateStateMachineCommand({ name: 'idempotent', definition, roleArn: 'arn:aws:iam::000000000000:role/sfn' }),
    );

    const second = await sfn.send(
      new CreateStateMachineCommand({ name: 'idempotent', definition, roleArn: 'arn:aws:iam::000000000000:role/sfn' }),
    );
    await sfn
      .send(
        new CreateStateMachineCommand({
          name: 'idempotent',
          definition: definition.replace('"P"', '"Q"').replace('"P"', '"Q"'),
          roleArn: 'arn:aws:iam::000000000000:role/sfn',
        }),
      )
      .catch((error: Error) => expect(error.name).toBe('StateMachineAlreadyExists'));

    expect(second.stateMachineArn).toBe(first.stateMachineArn);
    expect(first.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:idempotent');
  });

  it('rejects an invalid definition with InvalidDefinition and creates nothing', async () => {
    expect.assertions(2);
    const before = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.length;

    await sfn
      .send(
        new CreateStateMachineCommand({
          name: 'broken',
          definition: '{"StartAt":"Missing","States":{}}',
          roleArn: 'arn:aws:iam::000000000000:role/sfn',
        }),
      )
      .catch((error: Error) => expect(error.name).toBe('InvalidDefinition'));

    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.length).toBe(before);
  });

  it('updates a definition and describes the new one', async () => {
    const arn = await createMachine(JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }));
    const updated = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 42, End: true } } });

    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: updated }));

    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition).toBe(updated);
    expect(JSON.parse((await runToEnd(arn, {})).output ?? '')).toBe(42);
  });

  it('answers an unknown state machine and an unsupported action with AWS error names', async () => {
    expect.assertions(2);

    await sfn
      .send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope',
          input: '{}',
        }),
      )
      .catch((error: Error) => expect(error.name).toBe('StateMachineDoesNotExist'));
    await sfn
      .send(
        new TagResourceCommand({ resourceArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope', tags: [] }),
      )
      .catch((error: Error) => expect(error.name).toBe('UnknownOperationException'));
  });

  it('rejects input that is not JSON with InvalidExecutionInput and starts nothing', async () => {
    expect.assertions(2);
    const arn = await createMachine(retryCatchMachine);

    await sfn
      .send(new StartExecutionCommand({ stateMachineArn: arn, input: '{not json' }))
      .catch((error: Error) => expect(error.name).toBe('InvalidExecutionInput'));

    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions).toEqual([]);
  });

  describe('EXPRESS state machines', () => {
    const createExpress = async (definition: string): Promise<string> => {
      counter += 1;
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: `express-${counter}`,
          definition,
          roleArn: 'arn:aws:iam::000000000000:role/sfn',
          type: 'EXPRESS',
        }),
      );
      return created.stateMachineArn ?? '';
    };
    const executionsOf = (stateMachineArn: string) =>
      [...local.executions.values()].filter((execution) => execution.stateMachineArn === stateMachineArn);

    it('starts a second execution for a repeated name, each with an express ARN of its own', async () => {
      const arn = await createExpress(retryCatchMachine);

      const first = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"o-1"}' }),
      );
      const second = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'order-1', input: '{"orderId":"o-1"}' }),
      );
      await Promise.all(executionsOf(arn).map((execution) => execution.done));

      expect(first.executionArn).toMatch(
        /^arn:aws:states:us-east-1:000000000000:express:express-\d+:order-1:[0-9a-f-]{36}$/,
      );
      expect(second.executionArn).not.toBe(first.executionArn);
      expect(executionsOf(arn).map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    });

    it('keeps no execution history over the API: DescribeExecution, GetExecutionHistory and ListExecutions refuse it', async () => {
      expect.assertions(3);
      const arn = await createExpress(retryCatchMachine);
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
      await local.waitForExecution(executionArn ?? '');

      await sfn
        .send(new DescribeExecutionCommand({ executionArn }))
        .catch((error: Error) => expect(error.name).toBe('StateMachineTypeNotSupported'));
      await sfn
        .send(new GetExecutionHistoryCommand({ executionArn }))
        .catch((error: Error) => expect(error.name).toBe('StateMachineTypeNotSupported'));
      await sfn
        .send(new ListExecutionsCommand({ stateMachineArn: arn }))
        .catch((error: Error) => expect(error.name).toBe('StateMachineTypeNotSupported'));
    });

    it('ends an execution at the five-minute limit when the definition allows longer (TIMED_OUT)', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const hanging = new LocalStepFunctions({ invoke: () => new Promise<InvokeOutcome>(() => undefined) });
      try {
        const { stateMachineArn } = hanging.createStateMachine({
          name: 'express-limit',
          type: 'EXPRESS',
          definition: JSON.stringify({
            StartAt: 'Hang',
            TimeoutSeconds: 1500,
            States: { Hang: { Type: 'Task', Resource: fn('hang'), TimeoutSeconds: 900, End: true } },
          }),
        });
        const { executionArn } = hanging.startExecution(stateMachineArn, '{}');

        await jest.advanceTimersByTimeAsync(300 * 1000 - 1);
        const before = hanging.execution(executionArn).status;
        await jest.advanceTimersByTimeAsync(1);

        expect(before).toBe('RUNNING');
        expect(await hanging.waitForExecution(executionArn)).toBe('TIMED_OUT');
      } finally {
        jest.useRealTimers();
      }
    });

    it('refuses a type that is neither STANDARD nor EXPRESS', async () => {
      expect.assertions(1);

      await sfn
        .send(
          new CreateStateMachineCommand({
            name: 'no-such-type',
            definition: retryCatchMachine,
            roleArn: 'arn:aws:iam::000000000000:role/sfn',
            type: 'EXPRESSO' as never,
          }),
        )
        .catch((error: Error) => expect(error.name).toBe('ValidationException'));
    });

    it('creates machines of the default type the engine was given when the request names none', () => {
      const engine = new LocalStepFunctions({ invoke: functions.invoke, defaultType: 'EXPRESS' });

      const { stateMachineArn } = engine.createStateMachine({ name: 'defaulted', definition: retryCatchMachine });

      expect(engine.describeStateMachine(stateMachineArn).type).toBe('EXPRESS');
    });
  });
});
