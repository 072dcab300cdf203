/**
 * The local Step Functions' engine: state machines and executions, the ASL executed by aws-local-stepfunctions, Task
 * states whose resource is a Lambda function (its ARN, or `arn:aws:states:::lambda:invoke` with `FunctionName`)
 * calling the injected invoker in-process; a function error surfaces to `Retry`/`Catch` with `Error` = the function's
 * `errorType`, as in AWS. The wire format is step-functions-api.ts's.
 */
import { randomUUID } from 'node:crypto';
import * as asl from 'aws-local-stepfunctions';
import { AwsServiceError } from '../edge/types';
import { continueOrStart, formatTraceHeader, newSegmentId } from '../xray/trace-header';
import { HistoryRecorder, type LibraryEvent } from './history';
import { scheduleTask } from './task-target';
import { executionSegment, taskSubsegment } from './tracing';
import {
  TaskFunctionError,
  NAME_PATTERN,
  EXPRESS_MAX_SECONDS,
  STATE_MACHINE_TYPES,
  allStates,
  seconds,
  type InvokeOutcome,
  type LocalStepFunctionsOptions,
  type ExecutionStatus,
  type StateMachineRecord,
  type ExecutionRecord,
  type AslState,
  type AslMachine,
  type StateMachineType,
} from './model';
import { polyfillPromiseWithResolvers } from './promise-with-resolvers';

// The library calls Promise.withResolvers only while running, so installing it at load time is early enough.
polyfillPromiseWithResolvers();

export class StepFunctionsEngine {
  private readonly region: string;
  private readonly accountId: string;
  private readonly timeScale: number;
  readonly machines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly compiled = new Map<string, InstanceType<typeof asl.StateMachine>>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new RangeError(`timeScale must be a positive number, got ${this.timeScale}`);
    if (options.defaultType !== undefined && !STATE_MACHINE_TYPES.includes(options.defaultType))
      throw new RangeError(`the default state machine type must be STANDARD or EXPRESS, got ${options.defaultType}`);
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /**
   * Creates a STANDARD or EXPRESS state machine (absent: the engine's default type); the same name with the same
   * definition and type answers the existing one (idempotent).
   */
  createStateMachine(spec: { name: string; definition: string; roleArn?: string; type?: string }): {
    stateMachineArn: string;
    creationDate: number;
  } {
    if (!NAME_PATTERN.test(spec.name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${spec.name}'`);
    const type = spec.type ?? this.options.defaultType ?? 'STANDARD';
    if (!STATE_MACHINE_TYPES.includes(type as StateMachineType))
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    const arn = this.stateMachineArn(spec.name);
    const existing = this.machines.get(arn);
    if (existing) {
      if (
        existing.definition === spec.definition &&
        existing.type === type &&
        (spec.roleArn === undefined || spec.roleArn === existing.roleArn)
      )
        return { stateMachineArn: arn, creationDate: seconds(existing.creationDate) };
      throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    this.compile(spec.definition);
    const record: StateMachineRecord = {
      arn,
      name: spec.name,
      definition: spec.definition,
      roleArn: spec.roleArn ?? `arn:aws:iam::${this.accountId}:role/local-step-functions`,
      type: type as StateMachineType,
      creationDate: Date.now(),
    };
    this.machines.set(arn, record);
    return { stateMachineArn: arn, creationDate: seconds(record.creationDate) };
  }

  updateStateMachine(arn: string, body: Record<string, unknown>): { updateDate: number } {
    const machine = this.machine(arn);
    if (body.definition === undefined && body.roleArn === undefined)
      throw new AwsServiceError('MissingRequiredParameter', 'Either the definition or the roleArn must be specified');
    if (body.definition !== undefined) {
      if (typeof body.definition !== 'string')
        throw new AwsServiceError('InvalidDefinition', 'The definition must be a string');
      this.compile(body.definition);
      machine.definition = body.definition;
    }
    if (typeof body.roleArn === 'string') machine.roleArn = body.roleArn;
    machine.updateDate = Date.now();
    return { updateDate: seconds(machine.updateDate) };
  }

  describeStateMachine(arn: string): Record<string, unknown> {
    const m = this.machine(arn);
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: seconds(m.creationDate),
    };
  }

  describeExecution(arn: string): Record<string, unknown> {
    const e = this.execution(arn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      stopDate: e.stopDate === undefined ? undefined : seconds(e.stopDate),
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output === undefined ? undefined : { included: true },
      error: e.error,
      cause: e.cause,
    };
  }

  machine(arn: string): StateMachineRecord {
    const machine = this.machines.get(arn);
    if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  execution(arn: string): ExecutionRecord {
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /**
   * One compiled StateMachine per definition: compiling validates the ASL (ajv), which cost about a fifth of the
   * cloud's CPU when done per execution. A StateMachine runs any number of executions at once.
   */
  private compiledFor(definition: string): InstanceType<typeof asl.StateMachine> {
    let compiled = this.compiled.get(definition);
    if (compiled === undefined) {
      compiled = this.compile(definition);
      this.compiled.set(definition, compiled);
    }
    return compiled;
  }

  private compile(definition: string): InstanceType<typeof asl.StateMachine> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(definition);
    } catch (error) {
      throw new AwsServiceError(
        'InvalidDefinition',
        `Invalid State Machine Definition: the definition is not JSON (${(error as Error).message})`,
      );
    }
    try {
      return new asl.StateMachine(parsed as ConstructorParameters<typeof asl.StateMachine>[0], {
        validationOptions: { checkPaths: true, checkArn: false },
      });
    } catch (error) {
      throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: ${(error as Error).message}`);
    }
  }

  /**
   * Starts an execution (also the in-process API for EventBridge targets). STANDARD: a running execution with the same
   * name and input is answered again, as AWS does; a different input, or a closed execution, is
   * ExecutionAlreadyExists. EXPRESS: the name is not checked, so a repeated name starts another execution (AWS:
   * "Starting multiple workflows with the same name results in concurrent executions"), with an ARN of its own.
   */
  startExecution(
    stateMachineArn: string,
    input: unknown,
    name?: unknown,
    traceHeader?: string,
  ): { executionArn: string; startDate: number } {
    const machine = this.machine(stateMachineArn);
    if (typeof input !== 'string')
      throw new AwsServiceError('InvalidExecutionInput', 'The execution input must be a JSON string');
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch (error) {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: ${(error as Error).message}`,
      );
    }
    if (name !== undefined && (typeof name !== 'string' || !NAME_PATTERN.test(name)))
      throw new AwsServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
    const executionName = (name as string | undefined) ?? randomUUID();
    const arn =
      machine.type === 'EXPRESS'
        ? `arn:aws:states:${this.region}:${this.accountId}:express:${machine.name}:${executionName}:${randomUUID()}`
        : `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input)
        return { executionArn: arn, startDate: existing.startDate };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const startDate = Date.now();
    const trace = this.options.emitSegment
      ? { ...continueOrStart(traceHeader, startDate), segmentId: newSegmentId() }
      : undefined;
    const record: ExecutionRecord = {
      arn,
      name: executionName,
      stateMachineArn,
      input,
      startDate,
      status: 'RUNNING',
      history: [],
      done: Promise.resolve(),
      ...(trace ? { trace } : {}),
    };
    this.executions.set(arn, record);
    record.done = this.run(machine, record, parsedInput);
    return { executionArn: arn, startDate: record.startDate };
  }

  /** Stops a running execution (ABORTED); a closed one is left as it is. */
  async stopExecution(arn: string, error?: string, cause?: string): Promise<number> {
    const execution = this.execution(arn);
    if (execution.status === 'RUNNING') {
      execution.stopRequest = { error, cause };
      execution.abort?.();
      await execution.done;
    }
    return execution.stopDate ?? Date.now();
  }

  /** Settles when the execution has finished and its history is complete (for tests and shutdown). */
  async waitForExecution(arn: string): Promise<ExecutionStatus> {
    const execution = this.execution(arn);
    await execution.done;
    return execution.status;
  }

  /** Aborts every running execution; used when the local cloud stops. */
  async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    await Promise.all(running.map((e) => this.stopExecution(e.arn, 'States.Aborted', 'The local cloud stopped')));
  }

  /** Forgets every state machine and execution (the control plane's reset). */
  async reset(): Promise<void> {
    await this.shutdown();
    this.executions.clear();
  }

  private async run(machine: StateMachineRecord, record: ExecutionRecord, input: unknown): Promise<void> {
    const definition = JSON.parse(machine.definition) as AslMachine;
    const stateMachine = this.compiledFor(
      machine.type === 'EXPRESS' ? expressDefinition(machine.definition) : machine.definition,
    );
    const history = new HistoryRecorder(record.history);
    const failures = new Map<string, number>();
    const handlers: Record<string, (taskInput: unknown) => Promise<unknown>> = {};
    const retryOverrides: Record<string, number[]> = {};
    const waitOverrides: Record<string, number> = {};

    for (const [stateName, state] of allStates(definition)) {
      if (state.Type === 'Task')
        handlers[stateName] = (taskInput) => this.runTask(stateName, state, taskInput, history, failures, record);
      if (state.Type === 'Wait' && typeof state.Seconds === 'number' && this.timeScale !== 1)
        waitOverrides[stateName] = state.Seconds * 1000 * this.timeScale;
      const retriers = state.Retry as
        | { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }[]
        | undefined;
      if (retriers && this.timeScale !== 1) {
        Object.defineProperty(retryOverrides, stateName, {
          enumerable: true,
          get: () => {
            const attempt = Math.max(0, (failures.get(stateName) ?? 1) - 1);
            return retriers.map((retrier) => {
              const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
              const capped =
                retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
              const jittered = retrier.JitterStrategy === 'FULL' ? Math.random() * capped : capped;
              return jittered * 1000 * this.timeScale;
            });
          },
        });
      }
    }

    const startTime = new Date(record.startDate).toISOString();
    const execution = stateMachine.run(input as Parameters<typeof stateMachine.run>[0], {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: retryOverrides,
        waitTimeOverrides: waitOverrides,
      },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.arn,
          Input: input as never,
          Name: record.name,
          RoleArn: machine.roleArn,
          StartTime: startTime,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    record.abort = execution.abort;

    const recording = (async () => {
      for await (const event of execution.eventLogs) history.fromLibrary(event as unknown as LibraryEvent);
    })();
    const outcome = await Promise.allSettled([execution.result]);
    await recording.catch(() => undefined);
    record.abort = undefined;
    record.stopDate = Date.now();
    const [settled] = outcome;
    if (record.stopRequest) {
      record.status = 'ABORTED';
      record.error = record.stopRequest.error;
      record.cause = record.stopRequest.cause;
      history.add('ExecutionAborted', { executionAbortedEventDetails: { error: record.error, cause: record.cause } });
    } else if (settled.status === 'fulfilled') {
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(settled.value);
      history.add('ExecutionSucceeded', {
        executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
      });
    } else {
      const reason = settled.reason as Error;
      if (reason?.name === 'ExecutionTimeoutError') {
        record.status = 'TIMED_OUT';
        record.error = 'States.Timeout';
        history.add('ExecutionTimedOut', { executionTimedOutEventDetails: { error: record.error } });
      } else {
        const failure = reason?.cause instanceof Error ? reason.cause : reason;
        record.status = 'FAILED';
        record.error = failure?.name ?? 'States.Runtime';
        record.cause = failure?.message;
        history.add('ExecutionFailed', { executionFailedEventDetails: { error: record.error, cause: record.cause } });
      }
    }
    this.emitExecutionSegment(machine, record);
  }

  private emitExecutionSegment(machine: StateMachineRecord, record: ExecutionRecord): void {
    // A trace its caller did not sample (Sampled=0) is continued for the tasks but recorded nowhere, as in AWS.
    if (!record.trace?.sampled || !this.options.emitSegment) return;
    this.options.emitSegment(executionSegment(machine, record, record.trace));
  }

  private async runTask(
    stateName: string,
    state: AslState,
    taskInput: unknown,
    history: HistoryRecorder,
    failures: Map<string, number>,
    record: ExecutionRecord,
  ): Promise<unknown> {
    const attempt = history.beginTask(stateName);
    const { functionArn, payload, integrated } = scheduleTask(stateName, state, taskInput, attempt, this.region);

    let outcome: InvokeOutcome;
    const subsegmentId = record.trace ? newSegmentId() : undefined;
    const taskStarted = Date.now();
    try {
      outcome = await this.options.invoke(
        functionArn,
        payload,
        record.trace
          ? {
              traceHeader: formatTraceHeader({
                traceId: record.trace.traceId,
                parentId: subsegmentId,
                sampled: record.trace.sampled,
              }),
            }
          : {},
      );
    } catch (error) {
      outcome = {
        error: {
          errorType: 'Lambda.ServiceException',
          errorMessage: error instanceof Error ? error.message : String(error),
        },
      };
    }
    if (record.trace?.sampled && subsegmentId !== undefined) {
      this.options.emitSegment?.(
        taskSubsegment({
          stateName,
          subsegmentId,
          trace: record.trace,
          functionArn,
          startedMs: taskStarted,
          error: outcome.error,
        }),
      );
    }
    if (outcome.error) {
      failures.set(stateName, (failures.get(stateName) ?? 0) + 1);
      const failure = new TaskFunctionError(outcome.error.errorType, outcome.error.errorMessage, outcome.error.trace);
      if (integrated)
        attempt.record('TaskFailed', {
          taskFailedEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            error: failure.name,
            cause: failure.message,
          },
        });
      else
        attempt.record('LambdaFunctionFailed', {
          lambdaFunctionFailedEventDetails: { error: failure.name, cause: failure.message },
        });
      throw failure;
    }
    failures.delete(stateName);
    const result = outcome.result === undefined ? null : outcome.result;
    if (integrated) {
      const wrapped = { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
      attempt.record('TaskSucceeded', {
        taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: JSON.stringify(wrapped) },
      });
      return wrapped;
    }
    attempt.record('LambdaFunctionSucceeded', {
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify(result) },
    });
    return result;
  }
}

/** The definition as an Express execution runs it: TimeoutSeconds at most the five-minute limit. */
const expressDefinition = (definition: string): string => {
  const parsed = JSON.parse(definition) as { TimeoutSeconds?: number };
  if (parsed.TimeoutSeconds !== undefined && parsed.TimeoutSeconds <= EXPRESS_MAX_SECONDS) return definition;
  return JSON.stringify({ ...parsed, TimeoutSeconds: EXPRESS_MAX_SECONDS });
};
