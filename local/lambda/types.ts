/**
 * The local Lambda's vocabulary: a handler and its context, registrations, invocation outcomes, faults, tracing
 * hooks and the errors of its in-process API. Shared by the engine (engine.ts) and the REST API (lambda-api.ts).
 */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The context object Lambda hands a Node.js handler. */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown> | unknown;

export interface FunctionRegistration {
  readonly name: string;
  /** The handler, run in the engine's thread; or give `module` instead. */
  readonly handler?: LambdaHandler;
  /** The handler's module, run in the engine's handler worker threads (the engine needs `handlerThreads`). */
  readonly module?: HandlerModule;
  /** The function's own variables; the runtime's (AWS_LAMBDA_FUNCTION_NAME, _X_AMZN_TRACE_ID, ...) are added. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Default 3 s, as AWS. */
  readonly timeoutSeconds?: number;
  /** Default 128 MB, as AWS. */
  readonly memoryMb?: number;
  readonly description?: string;
}

export interface InvocationError {
  /** The thrown error's name: the contract with Step Functions Retry/Catch ErrorEquals. */
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface InvocationResult {
  readonly result?: unknown;
  readonly error?: InvocationError;
  readonly requestId: string;
}

/**
 * Faults for one function. Before the handler: fail its next N invocations, fail each with probability p, add
 * latency. After the handler (its effect made, its answer lost, as a timeout or a network fault loses it): fail the
 * next N invocations once the handler returned, or hold answers back by `resultDelayMs` (past the function's
 * timeout the caller gets Sandbox.Timedout), every answer or only the next `delayNext`. `errorType` names the
 * injected failures (default InjectedFaultError), e.g. `Lambda.Unknown` for what Step Functions reports when an
 * invocation's outcome is unknown.
 */
export interface FaultSpec {
  readonly failNext?: number;
  readonly probability?: number;
  readonly latencyMs?: number;
  readonly failAfterNext?: number;
  readonly resultDelayMs?: number;
  /** Hold back only the next N answers by `resultDelayMs` (a late answer, not a function that is always late). */
  readonly delayNext?: number;
  readonly errorType?: string;
}

/** The error an injected fault throws inside an invocation. */
export class InjectedFaultError extends Error {
  constructor(functionName: string, errorType = 'InjectedFaultError', when: 'before' | 'after' = 'before') {
    super(
      when === 'before'
        ? `Fault injected into ${functionName} by the local cloud`
        : `Fault injected into ${functionName} by the local cloud after the handler returned (its result is lost)`,
    );
    this.name = errorType;
  }
}

/** A function name or ARN that names no registered function. */
export class LambdaFunctionNotFoundError extends Error {
  constructor(readonly reference: string) {
    super(`Function not found: ${reference}`);
    this.name = 'LambdaFunctionNotFoundError';
  }
}

/** Invalid input to the local Lambda's in-process API (a bad registration or fault spec). */
export class LambdaInvalidParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LambdaInvalidParameterError';
  }
}

export interface RegisteredFunction {
  readonly name: string;
  readonly arn: string;
  /** Exactly one of handler (in-process) and module (in the handler worker threads). */
  readonly handler?: LambdaHandler;
  readonly module?: HandlerModule;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly description: string;
  readonly lastModified: string;
}

/**
 * What the runtime does for X-Ray when tracing is active (local/xray/lambda-tracing.ts implements it): for each
 * invocation, the trace header the handler sees in _X_AMZN_TRACE_ID (its Parent is the invocation's function
 * segment), a wrapper giving the handler its own X-Ray context, and the function segment once it ends.
 */
export interface LambdaTracing {
  begin(invocation: {
    readonly functionName: string;
    readonly functionArn: string;
    readonly requestId: string;
    readonly traceHeader?: string;
  }): TracedInvocation;
}

export interface TracedInvocation {
  readonly traceHeader: string;
  run<T>(work: () => Promise<T>): Promise<T>;
  end(outcome: { readonly error?: InvocationError }): void;
}

export interface InvokeOptions {
  /** The caller's trace header (SQS AWSTraceHeader, a Step Functions task's); a new trace starts without one. */
  readonly traceHeader?: string;
  /** The request id the handler sees; a fresh one when absent (the retries of an asynchronous invocation keep theirs). */
  readonly requestId?: string;
}

/** A function's handling of failed asynchronous invocations, as PutFunctionEventInvokeConfig sets it. */
export interface EventInvokeConfig {
  /** Retries after the first attempt, 0 to 2. */
  readonly maximumRetryAttempts: number;
  /** How old (from the Invoke call) an event may be when an attempt starts, 60 to 21600. */
  readonly maximumEventAgeSeconds: number;
  /** Where an event goes once given up (e.g. a queue ARN); without one it is discarded, as in AWS. */
  readonly onFailureDestination?: string;
}

/** What a function without an event invoke config gets in AWS: two retries, six hours, no destination. */
export const DEFAULT_EVENT_INVOKE_CONFIG: EventInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21600,
};

/** Why an asynchronous invocation was given up: the `condition` of AWS's invocation record. */
export type AsyncFailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

/** The invocation record Lambda sends an on-failure destination (the body of the SQS message). */
export interface AsyncInvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    /** Qualified with the version that ran, `...:function:name:$LATEST`. */
    readonly functionArn: string;
    readonly condition: AsyncFailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: 200;
    readonly executedVersion: '$LATEST';
    readonly functionError: 'Unhandled';
  };
  readonly responsePayload: InvocationError;
}

/** The end of an asynchronous invocation: the last attempt's outcome, how many attempts ran, and why it was given up. */
export interface AsyncInvocationOutcome extends InvocationResult {
  readonly attempts: number;
  readonly condition?: AsyncFailureCondition;
  /** Set when the on-failure destination refused the record (it is then lost, as in AWS). */
  readonly destinationError?: unknown;
}

/** Sends an invocation record to an on-failure destination by its ARN. */
export type DestinationSink = (destinationArn: string, record: AsyncInvocationRecord) => Promise<void>;

export interface LocalLambdaOptions {
  /** Active tracing for every function; without it _X_AMZN_TRACE_ID is an unsampled id, as with tracing off. */
  readonly tracing?: LambdaTracing;
  /** Defaults to AWS_REGION, then us-east-1. */
  readonly region?: string;
  /** The variables every function inherits beneath its own (AWS_ENDPOINT_URL, credentials); default the host's. */
  readonly baseEnvironment?: Readonly<Record<string, string>>;
  /** The source of randomness for probabilistic faults; default Math.random. */
  readonly random?: () => number;
  /** Scales the waits between retries of asynchronous invocations and their maximum event age (1 = AWS timing). */
  readonly timeScale?: number;
  /** Delivers records to on-failure destinations; without it a record with a destination is dropped. */
  readonly destinations?: DestinationSink;
  /** Runs the functions registered with a `module` in worker threads (handler-pool.ts); without it there are none. */
  readonly handlerThreads?: HandlerPoolOptions;
}

/** A handler module, loaded in a worker as Lambda's init phase loads it: with the function's init environment. */
export interface HandlerModule {
  /** Absolute path of the module exporting `handler` (TypeScript is compiled by tsx in the worker). */
  readonly entry: string;
  /** process.env while the module loads (the function's variables and the runtime's init-phase ones). */
  readonly initEnvironment: Readonly<Record<string, string>>;
}

export interface HandlerPoolOptions {
  /** How many worker threads run the handlers. */
  readonly threads: number;
  /** Invocations one worker runs at once; more wait in the engine. Default 32. */
  readonly maxConcurrentPerThread?: number;
  /** The nice value of the workers' threads (Linux: per thread), so the edge is served first. Default 10; 0: none. */
  readonly niceness?: number;
  /** The X-Ray daemon the handlers send subsegments to (the collector's UDP address); absent: no tracing. */
  readonly daemonAddress?: string;
}

/** The pool's state, as GET /_local/metrics reports it. */
export interface HandlerPoolStats {
  readonly threads: number;
  /** Invocations running in the workers now. */
  readonly running: number;
  /** Invocations waiting for a place in a worker now. */
  readonly queued: number;
  /** The most that ever waited at once. */
  readonly maxQueued: number;
  /** Workers replaced after they died. */
  readonly restarts: number;
}
