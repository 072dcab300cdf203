/**
 * The local cloud's call counter: every AWS call the edge serves (by service and operation, with the items and
 * DynamoDB units it is worth) and every call the cloud makes on a caller's behalf without the edge, because in AWS
 * those are billed too (an EventBridge target's SendMessage or StartExecution, an event source mapping's
 * ReceiveMessage and DeleteMessage, each Lambda invocation with its duration and memory, the X-Ray segments and
 * traces recorded, Step Functions executions and their state transitions). Counters only grow: a benchmark takes a
 * snapshot before and after and prices the difference. `GET /_local/metrics` answers the snapshot.
 */
import { estimateDynamoDbUnits, type MeteredCall, meterEdgeCall } from './edge-call';
import type { EdgeRequest } from '../edge/types';

/** Who made a call: a client through the edge, or the local cloud for a service (EventBridge, a mapping, Step Functions). */
export type CallOrigin = 'edge' | 'internal';

export interface OperationCount {
  readonly service: string;
  readonly operation: string;
  readonly origin: CallOrigin;
  readonly calls: number;
  readonly items: number;
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface FunctionCount {
  readonly function: string;
  readonly memoryMb: number;
  readonly invocations: number;
  /** Wall time of the invocations, as Lambda bills duration. */
  readonly durationMs: number;
  readonly errors: number;
  /** Invocations that ran into the function's timeout (Sandbox.Timedout). */
  readonly timeouts: number;
}

export interface StateMachineCount {
  readonly stateMachine: string;
  readonly type: string;
  readonly executions: number;
  /** State transitions as Standard workflows bill them: every state entered, and every retry of a task. */
  readonly transitions: number;
  /** Summed duration of the finished executions. */
  readonly durationMs: number;
  /** The same, each execution rounded up to 100 ms, as Express bills duration. */
  readonly billedDurationMs: number;
}

/** The state of the local Lambda's handler worker threads (local/lambda/handler-pool.ts). */
export interface HandlerThreadsGauge {
  readonly threads: number;
  readonly running: number;
  readonly queued: number;
  readonly maxQueued: number;
  readonly restarts: number;
}

export interface MetricsSnapshot {
  /** Milliseconds since the epoch when the snapshot was taken. */
  readonly at: number;
  readonly operations: readonly OperationCount[];
  readonly functions: readonly FunctionCount[];
  readonly stateMachines: readonly StateMachineCount[];
  readonly xray: { readonly segments: number; readonly traces: number };
  /** The Lambda handler threads' invocations running and queued now (absent when handlers run in-process). */
  readonly handlerThreads?: HandlerThreadsGauge;
  readonly events: {
    /** PutEvents entries accepted. */
    readonly published: number;
    /** Entries whose bus, source, detail-type and detail had been published before: a re-publish. */
    readonly republished: number;
    /** Deliveries to rule targets, by the target's service. */
    readonly deliveries: Readonly<Record<string, number>>;
  };
}

/** Where executions are counted from: the Step Functions engine's records, read when a snapshot is taken. */
export type StateMachineSource = () => readonly StateMachineCount[];

/** How many published events (and trace ids) are remembered to find repeats; the oldest are forgotten first. */
const REMEMBERED = 200_000;

const remember = (seen: Set<string>, key: string): boolean => {
  if (seen.has(key)) return false;
  seen.add(key);
  if (seen.size > REMEMBERED) {
    const oldest = seen.values().next().value;
    if (oldest !== undefined) seen.delete(oldest);
  }
  return true;
};

export class LocalMetrics {
  private readonly operations = new Map<string, { -readonly [K in keyof OperationCount]: OperationCount[K] }>();
  private readonly functions = new Map<string, { -readonly [K in keyof FunctionCount]: FunctionCount[K] }>();
  private readonly deliveries: Record<string, number> = {};
  private readonly publishedKeys = new Set<string>();
  private readonly traceIds = new Set<string>();
  private published = 0;
  private republished = 0;
  private segments = 0;
  private traces = 0;
  private stateMachines: StateMachineSource = () => [];
  private handlerThreads: () => HandlerThreadsGauge | undefined = () => undefined;
  private readonly waiting: { service: string; operation: string; resolve: (body: Buffer) => void }[] = [];

  /** Counts a request the edge serves (non-AWS paths are not counted). */
  observeEdgeRequest(request: Pick<EdgeRequest, 'service' | 'action' | 'method' | 'path' | 'body' | 'headers'>): void {
    const call = meterEdgeCall(request);
    if (call === undefined) return;
    this.count(call, 'edge');
    for (const event of call.publishedEvents ?? []) {
      this.published += 1;
      if (!remember(this.publishedKeys, event)) this.republished += 1;
    }
    const index = this.waiting.findIndex((w) => w.service === call.service && w.operation === call.operation);
    if (index >= 0) this.waiting.splice(index, 1)[0]?.resolve(request.body);
  }

  /**
   * Replaces the estimated units of a DynamoDB call the edge counted with the units DynamoDB Local reported for it
   * (table and indexes; see the DynamoDB proxy's metering). The call itself was counted when it arrived.
   */
  recordConsumedCapacity(
    operation: string,
    requestBody: Buffer,
    consumed: { readonly writeUnits: number; readonly readUnits: number },
  ): void {
    const entry = this.operations.get(`edge dynamodb ${operation}`);
    if (entry === undefined) return;
    const estimate = estimateDynamoDbUnits(operation, requestBody);
    entry.writeUnits += consumed.writeUnits - estimate.writeUnits;
    // DynamoDB Local answers 0 units for a Query of an index; AWS bills at least half a unit per read: the larger.
    entry.readUnits += Math.max(consumed.readUnits, estimate.readUnits) - estimate.readUnits;
  }

  /** Counts a call the local cloud makes itself on a caller's behalf (billed in AWS as if the caller made it). */
  countInternal(service: string, operation: string, items = 1): void {
    this.count({ service, operation, items, writeUnits: 0, readUnits: 0 }, 'internal');
  }

  /** Counts an EventBridge delivery to a rule's target. */
  countDelivery(targetService: string): void {
    this.deliveries[targetService] = (this.deliveries[targetService] ?? 0) + 1;
  }

  countInvocation(invocation: {
    readonly function: string;
    readonly memoryMb: number;
    readonly durationMs: number;
    readonly errorType?: string;
  }): void {
    const entry = this.functions.get(invocation.function) ?? {
      function: invocation.function,
      memoryMb: invocation.memoryMb,
      invocations: 0,
      durationMs: 0,
      errors: 0,
      timeouts: 0,
    };
    entry.invocations += 1;
    entry.durationMs += invocation.durationMs;
    if (invocation.errorType !== undefined) entry.errors += 1;
    if (invocation.errorType === 'Sandbox.Timedout') entry.timeouts += 1;
    this.functions.set(invocation.function, entry);
  }

  /** Counts X-Ray segment documents recorded, and the traces they open. */
  countSegments(traceIds: readonly string[]): void {
    this.segments += traceIds.length;
    for (const id of traceIds) if (remember(this.traceIds, id)) this.traces += 1;
  }

  /** Where the handler threads' gauge is read from (the cloud wires its Lambda engine). */
  setHandlerThreadsSource(source: () => HandlerThreadsGauge | undefined): void {
    this.handlerThreads = source;
  }

  /** Where state machine executions are read from (the cloud wires its Step Functions engine). */
  setStateMachineSource(source: StateMachineSource): void {
    this.stateMachines = source;
  }

  /**
   * The body of the next call to `service` `operation` through the edge: a benchmark replays an application's real
   * request (e.g. the TransactWriteItems of an order) to measure the engine's ceiling for the same call.
   */
  nextRequestBody(service: string, operation: string): Promise<Buffer> {
    return new Promise((resolve) => this.waiting.push({ service, operation, resolve }));
  }

  snapshot(): MetricsSnapshot {
    const threads = this.handlerThreads();
    return {
      at: Date.now(),
      operations: [...this.operations.values()].map((entry) => ({ ...entry })),
      functions: [...this.functions.values()].map((entry) => ({ ...entry })),
      stateMachines: this.stateMachines(),
      xray: { segments: this.segments, traces: this.traces },
      ...(threads === undefined ? {} : { handlerThreads: threads }),
      events: { published: this.published, republished: this.republished, deliveries: { ...this.deliveries } },
    };
  }

  private count(call: MeteredCall, origin: CallOrigin): void {
    const key = `${origin} ${call.service} ${call.operation}`;
    const entry = this.operations.get(key) ?? {
      service: call.service,
      operation: call.operation,
      origin,
      calls: 0,
      items: 0,
      writeUnits: 0,
      readUnits: 0,
    };
    entry.calls += 1;
    entry.items += call.items;
    entry.writeUnits += call.writeUnits;
    entry.readUnits += call.readUnits;
    this.operations.set(key, entry);
  }
}
