/**
 * The local Step Functions' vocabulary: the injected Lambda invoker and its outcome, options, execution and state
 * machine records, history events, its errors, and the helpers the engine and the JSON API share.
 */
import { AwsServiceError } from '../edge/types';
import type { TraceContext } from '../xray/trace-header';

/** What a local function invocation answers: its result, or the error it threw. */
export type InvokeOutcome = {
  readonly result?: unknown;
  readonly error?: { readonly errorType: string; readonly errorMessage: string; readonly trace?: readonly string[] };
};

/** Invokes a local function by ARN (the Lambda runtime's `LocalLambda.invoke`), with the trace header it continues. */
export type LambdaInvoker = (
  functionArn: string,
  payload: unknown,
  options?: { readonly traceHeader?: string },
) => Promise<InvokeOutcome>;

export interface LocalStepFunctionsOptions {
  readonly invoke: LambdaInvoker;
  readonly region?: string;
  readonly accountId?: string;
  /**
   * Multiplies every Retry interval (with its backoff, MaxDelaySeconds and jitter) and every Wait state's `Seconds`,
   * so tests need not wait out real delays while the ASL stays unchanged. 1 (the default) keeps AWS's timing.
   */
  readonly timeScale?: number;
  /**
   * When set, executions are traced as with X-Ray tracing enabled in AWS: one segment per execution (continuing the
   * request's X-Amzn-Trace-Id, else the StartExecution traceHeader, else a new trace), one subsegment per task
   * attempt, and each Lambda task invoked with a trace header whose parent is its attempt's subsegment.
   */
  readonly emitSegment?: (document: Readonly<Record<string, unknown>>) => void;
  /** The type of a state machine created without one (AWS's default is STANDARD); the local cloud's LOCAL_WORKFLOW_TYPE. */
  readonly defaultType?: StateMachineType;
}

export type StateMachineType = 'STANDARD' | 'EXPRESS';
export const STATE_MACHINE_TYPES: readonly StateMachineType[] = ['STANDARD', 'EXPRESS'];
/** An Express execution ends at five minutes whatever the definition's TimeoutSeconds says. */
export const EXPRESS_MAX_SECONDS = 300;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  definition: string;
  roleArn: string;
  readonly type: StateMachineType;
  readonly creationDate: number;
  updateDate?: number;
}

export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  stopRequest?: { readonly error?: string; readonly cause?: string };
  readonly history: HistoryEvent[];
  abort?: () => void;
  /** Settles when the execution and its history are complete. */
  done: Promise<void>;
  /** The execution's segment, when tracing. */
  trace?: TraceContext & { readonly segmentId: string };
}

export class StepFunctionsLocalResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
  // Read by aws-local-stepfunctions: an unsupported resource is a definition problem, not something to retry.
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/** A function error as aws-local-stepfunctions matches it: `name` is the ASL error, `message` AWS's Cause JSON. */
export class TaskFunctionError extends Error {
  constructor(errorType: string, errorMessage: string, trace: readonly string[] = []) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
export const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
export const LAMBDA_ARN = /^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/;

export type AslState = Record<string, unknown> & { Type: string };
export type AslMachine = { States: Record<string, AslState>; StartAt: string };

/** Every state of a definition, nested Parallel branches and Map processors included. */
export const allStates = (machine: AslMachine): [string, AslState][] => {
  const found: [string, AslState][] = [];
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    found.push([name, state]);
    const branches = (state.Branches as AslMachine[] | undefined) ?? [];
    const processor = (state.ItemProcessor ?? state.Iterator) as AslMachine | undefined;
    for (const nested of processor ? [...branches, processor] : branches) found.push(...allStates(nested));
  }
  return found;
};

export const seconds = (ms: number): number => ms / 1000;

export const field = (body: Record<string, unknown>, name: string): string => {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
};

export const page = <T>(items: readonly T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } => {
  const start = typeof body.nextToken === 'string' ? Number.parseInt(body.nextToken, 10) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new AwsServiceError('InvalidToken', `Invalid token: ${String(body.nextToken)}`);
  const size = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : 1000;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, nextToken: String(start + size) } : { items: slice };
};

export const STATE_EVENT_PREFIX: Readonly<Record<string, string>> = {
  Task: 'Task',
  Pass: 'Pass',
  Choice: 'Choice',
  Wait: 'Wait',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Parallel: 'Parallel',
  Map: 'Map',
};
