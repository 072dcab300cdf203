/**
 * The calls the local cloud makes without the edge, counted where they happen, because AWS bills them to the
 * account as if a client had made them: Lambda invocations (from Step Functions, event source mappings, EventBridge
 * and the Invoke API alike, with duration and memory), EventBridge deliveries (SendMessage to a queue target,
 * StartExecution of a state machine target), the event source mappings' ReceiveMessage (those that got messages)
 * and DeleteMessage, X-Ray segments recorded, and Step Functions transitions read from the executions' histories.
 */
import type { TargetSink } from '../eventbridge/model';
import {
  type InvocationResult,
  type InvokeOptions,
  LocalLambda,
  type LocalLambdaOptions,
  type RegisteredFunction,
} from '../lambda/local-lambda';
import type { LocalSqs } from '../sqs/local-sqs';
import type { StepFunctionsEngine } from '../stepfunctions/engine';
import { type AddOutcome, TraceStore } from '../xray/trace-store';
import type { LocalMetrics, StateMachineCount } from './metrics';

/** The local Lambda, every invocation counted with its wall time (what Lambda bills as duration). */
export class MeteredLocalLambda extends LocalLambda {
  constructor(
    options: LocalLambdaOptions,
    private readonly metrics: LocalMetrics,
  ) {
    super(options);
  }

  // run, not invoke: the wait for a place in a handler thread is not billed, as a throttled invocation's is not.
  protected override async run(
    target: RegisteredFunction,
    reference: string,
    payload: unknown,
    options: InvokeOptions,
    thread?: number,
  ): Promise<InvocationResult> {
    const started = performance.now();
    const outcome = await super.run(target, reference, payload, options, thread);
    this.metrics.countInvocation({
      function: target.name,
      memoryMb: target.memoryMb,
      durationMs: performance.now() - started,
      ...(outcome.error === undefined ? {} : { errorType: outcome.error.errorType }),
    });
    return outcome;
  }
}

/** EventBridge's deliveries, counted as the calls the target's service bills (a Lambda target's invocation counts itself). */
export const meteredTargetSink = (sink: TargetSink, metrics: LocalMetrics): TargetSink => ({
  deliver: async (target) => {
    const service = target.arn.split(':')[2] ?? 'unknown';
    metrics.countDelivery(service);
    if (service === 'sqs') metrics.countInternal('sqs', 'SendMessage');
    if (service === 'states') metrics.countInternal('states', 'StartExecution');
    await sink.deliver(target);
  },
});

/**
 * The queues as an event source mapping reads them: a receive that got messages and each delete are counted (the
 * empty long polls of an idle mapping are a cost per hour, not per message, and are left out).
 */
export const meteredQueueReader = (sqs: LocalSqs, metrics: LocalMetrics): LocalSqs =>
  new Proxy(sqs, {
    get(target, property) {
      if (property === 'receive')
        return async (...args: Parameters<LocalSqs['receive']>) => {
          const messages = await target.receive(...args);
          if (messages.length > 0) metrics.countInternal('sqs', 'ReceiveMessage', messages.length);
          return messages;
        };
      if (property === 'deleteMessage')
        return async (...args: Parameters<LocalSqs['deleteMessage']>) => {
          await target.deleteMessage(...args);
          metrics.countInternal('sqs', 'DeleteMessage');
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

/** The trace store, counting every segment document it accepts and the traces they belong to. */
export class CountingTraceStore extends TraceStore {
  constructor(private readonly metrics: LocalMetrics) {
    super();
  }

  override add(documents: readonly unknown[]): AddOutcome {
    const outcome = super.add(documents);
    if (outcome.accepted > 0) {
      const ids = documents.flatMap((document) => {
        const text = typeof document === 'string' ? document : JSON.stringify(document);
        const match = /"trace_id"\s*:\s*"([^"]+)"/.exec(text);
        return match?.[1] === undefined ? [] : [match[1]];
      });
      this.metrics.countSegments(ids.slice(0, outcome.accepted));
    }
    return outcome;
  }
}

const RETRYABLE_SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);

/**
 * Executions and transitions per state machine, from the engine's records: one transition per state entered, plus
 * one per task attempt after the first (Step Functions bills retries as transitions).
 */
export const stateMachineCounts = (engine: StepFunctionsEngine): StateMachineCount[] => {
  const byMachine = new Map<string, { -readonly [K in keyof StateMachineCount]: StateMachineCount[K] }>();
  for (const execution of engine.executions.values()) {
    const machine = engine.machines.get(execution.stateMachineArn);
    const name = machine?.name ?? execution.stateMachineArn;
    const entry = byMachine.get(name) ?? {
      stateMachine: name,
      type: machine?.type ?? 'STANDARD',
      executions: 0,
      transitions: 0,
      durationMs: 0,
      billedDurationMs: 0,
    };
    let entered = 0;
    let taskEntered = 0;
    let scheduled = 0;
    for (const event of execution.history) {
      if (event.type.endsWith('StateEntered')) entered += 1;
      if (event.type === 'TaskStateEntered') taskEntered += 1;
      if (RETRYABLE_SCHEDULED.has(event.type)) scheduled += 1;
    }
    entry.executions += 1;
    entry.transitions += entered + Math.max(0, scheduled - taskEntered);
    if (execution.stopDate !== undefined) {
      const duration = execution.stopDate - execution.startDate;
      entry.durationMs += duration;
      entry.billedDurationMs += Math.max(100, Math.ceil(duration / 100) * 100);
    }
    byMachine.set(name, entry);
  }
  return [...byMachine.values()];
};
