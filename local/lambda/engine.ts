/**
 * The local Lambda's engine: functions registered by name run in-process, or, registered by module, in the handler
 * worker threads (handler-pool.ts); either way each invocation with a Lambda-shaped context and its own process.env,
 * its timeout enforced, and faults injectable per function. The wire format is lambda-api.ts's; this file knows
 * nothing of it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { runAsyncInvocation, validateEventInvokeConfig } from './async-invocation';
import { EventSourceMappingRegistry } from './event-source-mappings';
import { hostEnvironment, installEnvironmentIsolation, runWithEnvironment } from './function-environment';
import { HandlerPool } from './handler-pool';
import { toInvocationError } from './handler-protocol';
import {
  DEFAULT_EVENT_INVOKE_CONFIG,
  LOCAL_ACCOUNT_ID,
  InjectedFaultError,
  LambdaFunctionNotFoundError,
  LambdaInvalidParameterError,
  type LambdaContext,
  type FunctionRegistration,
  type InvocationResult,
  type FaultSpec,
  type RegisteredFunction,
  type LambdaTracing,
  type InvokeOptions,
  type LocalLambdaOptions,
  type AsyncInvocationOutcome,
  type DestinationSink,
  type EventInvokeConfig,
  type HandlerPoolStats,
} from './types';

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const traceId = (): string =>
  `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;

/** What JSON makes of a value, as Lambda serialises payloads and results (undefined becomes null). */
const jsonCopy = (value: unknown): unknown =>
  value === undefined ? null : JSON.parse(JSON.stringify(value) ?? 'null');

const ERROR_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;

/** What the engine keeps per function (counters decrement as faults fire). */
interface ActiveFaults {
  failNext: number;
  probability: number;
  latencyMs: number;
  failAfterNext: number;
  resultDelayMs: number;
  /** How many more results `resultDelayMs` holds back; absent: every result. */
  delayNext?: number;
  errorType: string;
}

const validateFaults = (faults: FaultSpec): void => {
  const { failNext, probability, latencyMs, failAfterNext, resultDelayMs, delayNext, errorType } = faults;
  if (failNext !== undefined && (!Number.isInteger(failNext) || failNext < 0))
    throw new LambdaInvalidParameterError(`failNext must be a non-negative integer, not ${String(failNext)}`);
  if (failAfterNext !== undefined && (!Number.isInteger(failAfterNext) || failAfterNext < 0))
    throw new LambdaInvalidParameterError(`failAfterNext must be a non-negative integer, not ${String(failAfterNext)}`);
  if (
    resultDelayMs !== undefined &&
    (typeof resultDelayMs !== 'number' || !Number.isFinite(resultDelayMs) || resultDelayMs < 0)
  ) {
    throw new LambdaInvalidParameterError(`resultDelayMs must be a non-negative number, not ${String(resultDelayMs)}`);
  }
  if (delayNext !== undefined && (!Number.isInteger(delayNext) || delayNext < 0))
    throw new LambdaInvalidParameterError(`delayNext must be a non-negative integer, not ${String(delayNext)}`);
  if (delayNext !== undefined && !(resultDelayMs !== undefined && resultDelayMs > 0))
    throw new LambdaInvalidParameterError(
      'delayNext counts the results resultDelayMs holds back: give resultDelayMs too',
    );
  if (errorType !== undefined && (typeof errorType !== 'string' || !ERROR_TYPE.test(errorType)))
    throw new LambdaInvalidParameterError(
      `errorType must be an error name such as Lambda.Unknown, not ${String(errorType)}`,
    );
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw new LambdaInvalidParameterError(`probability must be a number from 0 to 1, not ${String(probability)}`);
  }
  if (latencyMs !== undefined && (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0)) {
    throw new LambdaInvalidParameterError(`latencyMs must be a non-negative number, not ${String(latencyMs)}`);
  }
};

/** The in-process Lambda service. `stop()` ends its event source mappings (and empties their registry) and pending timers. */
export class LambdaEngine {
  readonly region: string;
  /** The running event source mappings, served by ListEventSourceMappings and GetEventSourceMapping. */
  readonly eventSourceMappings = new EventSourceMappingRegistry();
  protected readonly functions = new Map<string, RegisteredFunction>();
  protected readonly faults = new Map<string, ActiveFaults>();
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected readonly stopHooks = new Set<() => Promise<void>>();
  protected readonly baseEnvironment?: Readonly<Record<string, string>>;
  protected readonly random: () => number;
  protected readonly tracing?: LambdaTracing;
  protected readonly eventInvokeConfigs = new Map<string, EventInvokeConfig>();
  protected readonly timeScale: number;
  protected readonly destinations?: DestinationSink;
  /** The handler worker threads, when the engine has them. */
  protected readonly pool?: HandlerPool;

  constructor(options: LocalLambdaOptions = {}) {
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.baseEnvironment = options.baseEnvironment;
    this.random = options.random ?? Math.random;
    this.tracing = options.tracing;
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0))
      throw new LambdaInvalidParameterError(`timeScale must be positive, not ${this.timeScale}`);
    this.destinations = options.destinations;
    installEnvironmentIsolation();
    if (options.handlerThreads !== undefined) this.pool = new HandlerPool(options.handlerThreads);
  }

  /** Whether functions registered by `module` run in worker threads (and how many there are). */
  get handlerThreads(): number {
    return this.pool?.threads ?? 0;
  }

  /** The worker threads' state: running and queued invocations (undefined without threads). */
  handlerPoolStats(): HandlerPoolStats | undefined {
    return this.pool?.stats();
  }

  /** The worker threads' ids (tests). */
  handlerThreadIds(): number[] {
    return this.pool?.threadIds() ?? [];
  }

  /** Loads every function registered by module in every worker now, as Lambda's init phase; rejects on a load error. */
  async loadHandlerModules(): Promise<void> {
    const modules = [...this.functions.values()].flatMap((f) => (f.module === undefined ? [] : [f.module]));
    await this.pool?.load(modules);
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${LOCAL_ACCOUNT_ID}:function:${name}`;
  }

  /** Registers (or replaces) a function. */
  register(spec: FunctionRegistration): RegisteredFunction {
    if (typeof spec.name !== 'string' || !FUNCTION_NAME.test(spec.name))
      throw new LambdaInvalidParameterError(`Invalid function name: ${String(spec.name)}`);
    if (spec.module === undefined && typeof spec.handler !== 'function')
      throw new LambdaInvalidParameterError(`The handler of ${spec.name} is not a function`);
    if (spec.module !== undefined && (spec.handler !== undefined || this.pool === undefined))
      throw new LambdaInvalidParameterError(
        `${spec.name}: a module runs in the handler threads; give a handler instead, or the engine handlerThreads`,
      );
    const timeoutSeconds = spec.timeoutSeconds ?? 3;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900)
      throw new LambdaInvalidParameterError(`timeoutSeconds must be 1 to 900, not ${timeoutSeconds}`);
    const memoryMb = spec.memoryMb ?? 128;
    if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240)
      throw new LambdaInvalidParameterError(`memoryMb must be 128 to 10240, not ${memoryMb}`);
    const registered: RegisteredFunction = {
      name: spec.name,
      arn: this.functionArn(spec.name),
      ...(spec.module === undefined ? { handler: spec.handler } : { module: spec.module }),
      environment: { ...(spec.environment ?? {}) },
      timeoutSeconds,
      memoryMb,
      description: spec.description ?? '',
      lastModified: new Date().toISOString().replace('Z', '+0000'),
    };
    this.functions.set(spec.name, registered);
    return registered;
  }

  /**
   * The unqualified ARN a function name, partial ARN (`function:name`, `account:function:name`) or ARN stands for,
   * whether or not the function is registered (a qualifier `:alias` is dropped).
   */
  functionArnOf(reference: string): string {
    const parts = reference.split(':');
    const functionIndex = parts.indexOf('function');
    if (functionIndex < 0) return this.functionArn(reference);
    const name = parts[functionIndex + 1] ?? '';
    if (reference.startsWith('arn:')) return parts.slice(0, functionIndex + 2).join(':');
    return this.functionArn(name);
  }

  /** The function a name, full ARN, partial ARN (`function:name`) or qualified ARN names. */
  resolve(reference: string): RegisteredFunction {
    const parts = reference.split(':');
    const functionIndex = parts.indexOf('function');
    const name = functionIndex >= 0 ? parts[functionIndex + 1] : parts[0];
    const found = name === undefined ? undefined : this.functions.get(name);
    if (
      !found ||
      (reference.startsWith('arn:') &&
        !reference.startsWith(`arn:aws:lambda:${this.region}:${LOCAL_ACCOUNT_ID}:function:`))
    ) {
      throw new LambdaFunctionNotFoundError(reference.startsWith('arn:') ? reference : this.functionArn(reference));
    }
    return found;
  }

  listFunctions(): RegisteredFunction[] {
    return [...this.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Sets how a function's asynchronous invocations are retried and where the given-up ones go (PutFunctionEventInvokeConfig). */
  putEventInvokeConfig(reference: string, config: EventInvokeConfig): void {
    const target = this.resolve(reference);
    validateEventInvokeConfig(config);
    this.eventInvokeConfigs.set(target.name, { ...config });
  }

  /** The config a function's asynchronous invocations run with: its own, or AWS's default. */
  eventInvokeConfig(reference: string): EventInvokeConfig {
    return this.eventInvokeConfigs.get(this.resolve(reference).name) ?? DEFAULT_EVENT_INVOKE_CONFIG;
  }

  /** Sets the faults of a function, replacing earlier ones. */
  injectFault(functionName: string, faults: FaultSpec): void {
    const target = this.resolve(functionName);
    validateFaults(faults);
    this.faults.set(target.name, {
      failNext: faults.failNext ?? 0,
      probability: faults.probability ?? 0,
      latencyMs: faults.latencyMs ?? 0,
      failAfterNext: faults.failAfterNext ?? 0,
      resultDelayMs: faults.resultDelayMs ?? 0,
      ...(faults.delayNext === undefined ? {} : { delayNext: faults.delayNext }),
      errorType: faults.errorType ?? 'InjectedFaultError',
    });
  }

  /** The faults in force, per function (counters as they stand now), so a dashboard can show them after a reload. */
  listFaults(): { readonly function: string; readonly faults: Readonly<ActiveFaults> }[] {
    return [...this.faults].map(([name, faults]) => ({ function: name, faults: { ...faults } }));
  }

  /** Clears the faults of one function, or of every function. */
  clearFaults(functionName?: string): void {
    if (functionName === undefined) this.faults.clear();
    else this.faults.delete(this.resolve(functionName).name);
  }

  /**
   * Invokes a function and waits for it: `{result}` or `{error: {errorType, errorMessage}}`, never a rejection for a
   * failing handler. Throws LambdaFunctionNotFoundError for an unknown function.
   */
  async invoke(reference: string, payload: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    const target = this.resolve(reference);
    if (target.module === undefined || this.pool === undefined) return this.run(target, reference, payload, options);
    // A burst waits here for a place in a worker, outside the invocation: its timeout and duration start once it runs.
    const thread = await this.pool.place();
    try {
      return await this.run(target, reference, payload, options, thread);
    } finally {
      this.pool.release(thread);
    }
  }

  /** Runs one invocation, in-process or (with `thread`) in that handler worker thread. */
  protected async run(
    target: RegisteredFunction,
    reference: string,
    payload: unknown,
    options: InvokeOptions,
    thread?: number,
  ): Promise<InvocationResult> {
    const requestId = options.requestId ?? randomUUID();
    const traced = this.tracing?.begin({
      functionName: target.name,
      functionArn: target.arn,
      requestId,
      ...(options.traceHeader === undefined ? {} : { traceHeader: options.traceHeader }),
    });
    const event = jsonCopy(payload);
    const deadline = Date.now() + target.timeoutSeconds * 1000;
    const now = new Date();
    const logStreamName = `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const context: LambdaContext = {
      functionName: target.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: reference.startsWith('arn:') ? reference : target.arn,
      memoryLimitInMB: String(target.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${target.name}`,
      logStreamName,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const environment: Record<string, string> = {
      ...(this.baseEnvironment ?? hostEnvironment()),
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: target.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(target.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: context.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: process.cwd(),
      _HANDLER: 'index.handler',
      POWERTOOLS_SERVICE_NAME: target.name,
      ...target.environment,
      _X_AMZN_TRACE_ID: traced?.traceHeader ?? traceId(),
    };

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationResult>((resolve) => {
      timer = setTimeout(() => {
        this.timers.delete(timer as NodeJS.Timeout);
        resolve({
          requestId,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${target.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
      }, target.timeoutSeconds * 1000);
      timer.unref();
      this.timers.add(timer);
    });
    const { pool } = this;
    const { module, handler } = target;
    const work = async (): Promise<InvocationResult> => {
      try {
        await this.applyFaults(target.name);
        let result: unknown;
        if (thread !== undefined && pool !== undefined && module !== undefined) {
          const { getRemainingTimeInMillis, callbackWaitsForEmptyEventLoop, ...contextData } = context;
          const outcome = await pool.invoke(thread, module, {
            event,
            context: { ...contextData, deadline },
            environment,
            traced: traced !== undefined,
          });
          if ('error' in outcome) return { requestId, error: outcome.error };
          result = outcome.result;
        } else if (handler !== undefined) {
          result = jsonCopy(await handler(event, context));
        } else {
          throw new LambdaInvalidParameterError(`${target.name} runs in handler threads the engine does not have`);
        }
        await this.applyFaultsAfter(target.name);
        return { requestId, result };
      } catch (error) {
        return { requestId, error: toInvocationError(error) };
      }
    };
    // In a worker the handler's environment and X-Ray context are set up there (handler-worker.ts).
    const running =
      thread !== undefined ? work() : runWithEnvironment(environment, () => (traced ? traced.run(work) : work()));
    try {
      const outcome = await Promise.race([running, timedOut]);
      traced?.end(outcome);
      return outcome;
    } finally {
      clearTimeout(timer);
      this.timers.delete(timer as NodeJS.Timeout);
    }
  }

  /**
   * Invocation type Event: queues the invocation and answers its request id at once. A failing attempt is retried
   * by the function's event invoke config (waits scaled by timeScale); what is given up goes to its on-failure
   * destination. `onOutcome` hears the end: success, or the last error with the condition.
   */
  invokeAsync(
    reference: string,
    payload: unknown,
    onOutcome?: (outcome: AsyncInvocationOutcome) => void,
    options: InvokeOptions = {},
  ): string {
    const target = this.resolve(reference);
    const requestId = randomUUID();
    void runAsyncInvocation({
      functionArn: `${target.arn}:$LATEST`,
      payload: jsonCopy(payload),
      requestId,
      config: this.eventInvokeConfigs.get(target.name) ?? DEFAULT_EVENT_INVOKE_CONFIG,
      timeScale: this.timeScale,
      attempt: () => this.invoke(reference, payload, { ...options, requestId }),
      sleep: (ms) => this.sleep(ms),
      ...(this.destinations === undefined ? {} : { destinations: this.destinations }),
    }).then(onOutcome, () => undefined);
    return requestId;
  }

  protected async applyFaults(name: string): Promise<void> {
    const faults = this.faults.get(name);
    if (!faults) return;
    if (faults.latencyMs > 0) await this.sleep(faults.latencyMs);
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      throw new InjectedFaultError(name, faults.errorType);
    }
    if (faults.probability > 0 && this.random() < faults.probability)
      throw new InjectedFaultError(name, faults.errorType);
  }

  /** Faults once the handler returned: its effect is made, only its answer is late or lost. */
  protected async applyFaultsAfter(name: string): Promise<void> {
    const faults = this.faults.get(name);
    if (!faults) return;
    if (faults.resultDelayMs > 0 && (faults.delayNext === undefined || faults.delayNext > 0)) {
      if (faults.delayNext !== undefined) faults.delayNext -= 1;
      await this.sleep(faults.resultDelayMs);
    }
    if (faults.failAfterNext > 0) {
      faults.failAfterNext -= 1;
      throw new InjectedFaultError(name, faults.errorType, 'after');
    }
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /** Registers something to stop with this service (the event source mappings). Answers the unregister function. */
  onStop(hook: () => Promise<void>): () => void {
    this.stopHooks.add(hook);
    return () => this.stopHooks.delete(hook);
  }

  /**
   * Stops every event source mapping and clears pending timers; in-process handlers finish on their own, the handler
   * worker threads end (their invocations answer Runtime.ExitError).
   */
  async stop(): Promise<void> {
    await Promise.all([...this.stopHooks].map((hook) => hook()));
    this.stopHooks.clear();
    this.eventSourceMappings.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.pool?.close();
  }
}
