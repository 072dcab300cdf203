/**
 * Each endpoint's health: its circuit breaker, the last failure, a receiver's `Retry-After`, and whether it is
 * disabled (410 Gone). The breaker is cockatiel's (`ConsecutiveBreaker`: opens after N consecutive failures, a
 * half-open probe after a cool-down that doubles per failed probe). cockatiel keeps its state in the process; a
 * Lambda function has many processes, so the state lives on the endpoint's item in the table as cockatiel's own
 * serialisation (`toJSON()` / `initialState`), with a version every write is conditional on. Each process keeps one
 * breaker per endpoint and rebuilds it whenever the table holds a newer version (EndpointCircuits).
 * Pure: cockatiel reads `Date.now()`, nothing else; the table is the caller's (core/store/webhook-store.ts).
 */
import {
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  isBrokenCircuitError,
  noJitterGenerator,
} from 'cockatiel';
import type { DeliveryPolicy } from './delivery-policy';

/** cockatiel's `CircuitBreakerPolicy.toJSON()` with a ConsecutiveBreaker, as stored (its own shape, not ours). */
export interface BreakerSnapshot {
  readonly ownState: { readonly value: number; readonly openedAt?: number; readonly attemptNo?: number };
  /** ConsecutiveBreaker's state: the consecutive failures so far. */
  readonly breakerState: number;
}

/** What the table keeps of an endpoint's health, on the endpoint's own item. */
export interface EndpointHealth {
  /** Bumped by every write of the health; each write is conditional on the version it read. 0: never written. */
  readonly version: number;
  readonly breaker?: BreakerSnapshot;
  readonly lastError?: string;
  readonly lastStatusCode?: number;
  readonly lastFailureAt?: string;
  /** A receiver's `Retry-After` (429/502/503/504): nothing is sent to the endpoint before this time. */
  readonly throttledUntil?: string;
  /** A half-open probe is under way in some process until this time; the others wait. */
  readonly probeClaimedUntil?: string;
  readonly disabledAt?: string;
  readonly disabledReason?: string;
  /** When a paused endpoint gets its next attempt (probe or end of Retry-After), as the writer computed it: what the owner sees. */
  readonly resumeAt?: string;
}

export const HEALTHY: EndpointHealth = Object.freeze({ version: 0 });

export type EndpointStatus = 'healthy' | 'failing' | 'disabled';
export type CircuitName = 'closed' | 'open' | 'half-open';

/** What the owner sees of an endpoint's health. */
export interface EndpointHealthView {
  readonly status: EndpointStatus;
  readonly circuit: CircuitName;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  readonly lastStatusCode?: number;
  readonly lastFailureAt?: string;
  /** When paused (circuit open or throttled): when the next delivery may be attempted. */
  readonly nextAttemptAt?: string;
  readonly disabledAt?: string;
  readonly disabledReason?: string;
}

/** The cool-down (ms of the scaled clock) of the n-th opening of the circuit, as cockatiel's backoff computes it. */
const cooldownMs = (policy: DeliveryPolicy, attemptNo: number): number =>
  Math.min(
    policy.breakerCooldownSeconds.max,
    policy.breakerCooldownSeconds.initial * 2 ** Math.max(0, Math.min(30, attemptNo - 1)),
  ) *
  1000 *
  policy.timeScale;

/** When the open circuit lets its next probe through (epoch ms), or undefined when it is closed. */
export const probeAt = (policy: DeliveryPolicy, health: EndpointHealth): number | undefined => {
  const state = health.breaker?.ownState;
  if (state === undefined || state.value !== CircuitState.Open) return undefined;
  return (state.openedAt ?? 0) + cooldownMs(policy, state.attemptNo ?? 1);
};

/**
 * Until when (epoch ms) nothing may be sent to the endpoint: the later of its circuit's probe time, a probe
 * another process holds, and a receiver's Retry-After; undefined when deliveries may go now.
 */
export const pausedUntil = (policy: DeliveryPolicy, health: EndpointHealth, nowMs: number): number | undefined => {
  const candidates = [
    probeAt(policy, health),
    health.throttledUntil === undefined ? undefined : Date.parse(health.throttledUntil),
    health.probeClaimedUntil === undefined ? undefined : Date.parse(health.probeClaimedUntil),
  ].filter((at): at is number => at !== undefined && at > nowMs);
  return candidates.length === 0 ? undefined : Math.max(...candidates);
};

/** The owner's view of an endpoint's health (the API's, which knows no delivery policy: `resumeAt` says when). */
export const presentHealth = (health: EndpointHealth, nowMs: number): EndpointHealthView => {
  const failures = health.breaker?.breakerState ?? 0;
  const open = health.breaker?.ownState.value === CircuitState.Open;
  const resumeAt = health.resumeAt === undefined ? undefined : Date.parse(health.resumeAt);
  const circuit: CircuitName = !open ? 'closed' : resumeAt === undefined || resumeAt <= nowMs ? 'half-open' : 'open';
  const status: EndpointStatus =
    health.disabledAt !== undefined ? 'disabled' : failures > 0 || open ? 'failing' : 'healthy';
  return {
    status,
    circuit,
    consecutiveFailures: failures,
    ...(health.lastError === undefined ? {} : { lastError: health.lastError }),
    ...(health.lastStatusCode === undefined ? {} : { lastStatusCode: health.lastStatusCode }),
    ...(health.lastFailureAt === undefined ? {} : { lastFailureAt: health.lastFailureAt }),
    ...(resumeAt === undefined || resumeAt <= nowMs || status === 'disabled' ? {} : { nextAttemptAt: health.resumeAt }),
    ...(health.disabledAt === undefined ? {} : { disabledAt: health.disabledAt }),
    ...(health.disabledReason === undefined ? {} : { disabledReason: health.disabledReason }),
  };
};

/** One attempt's result as the circuit judges it. */
export interface JudgedAttempt<R> {
  readonly result: R;
  /** True when it counts against the endpoint (a failure, a throttle, or a probe another process holds). */
  readonly failure: boolean;
}

export type CircuitRun<R> =
  | { readonly ran: true; readonly probe: boolean; readonly result: R }
  /** The circuit is open: nothing was sent. */
  | { readonly ran: false };

/** One endpoint's breaker in this process: cockatiel's policy, and the table version it was restored from. */
export class EndpointCircuit {
  private constructor(
    readonly policy: CircuitBreakerPolicy,
    /** The table version this breaker matches (it moves on when this process writes the health). */
    public version: number,
    private probing: boolean,
  ) {}

  static restore(deliveryPolicy: DeliveryPolicy, health: EndpointHealth): EndpointCircuit {
    const scaledMs = (seconds: number): number => Math.max(1, Math.round(seconds * 1000 * deliveryPolicy.timeScale));
    const policy = circuitBreaker(
      handleAll.orWhenResult((value) => (value as JudgedAttempt<unknown>).failure),
      {
        breaker: new ConsecutiveBreaker(deliveryPolicy.breakerThreshold),
        halfOpenAfter: new ExponentialBackoff({
          generator: noJitterGenerator,
          initialDelay: scaledMs(deliveryPolicy.breakerCooldownSeconds.initial),
          maxDelay: scaledMs(deliveryPolicy.breakerCooldownSeconds.max),
        }),
        ...(health.breaker === undefined ? {} : { initialState: structuredClone(health.breaker) }),
      },
    );
    const circuit = new EndpointCircuit(policy, health.version, false);
    policy.onHalfOpen(() => {
      circuit.probing = true;
    });
    return circuit;
  }

  /**
   * Runs `attempt` through the breaker: not at all while it is open; as the half-open probe (`probe: true`) once
   * the cool-down has passed; as usual while closed. `attempt` judges its own result, so an answer such as a 503
   * counts as a failure without being thrown.
   */
  async run<R>(attempt: (probe: boolean) => Promise<JudgedAttempt<R>>): Promise<CircuitRun<R>> {
    let probe = false;
    try {
      const judged = await this.policy.execute(() => {
        probe = this.probing;
        this.probing = false;
        return attempt(probe);
      });
      return { ran: true, probe, result: judged.result };
    } catch (error) {
      if (isBrokenCircuitError(error)) return { ran: false };
      throw error;
    }
  }

  /** cockatiel's serialisation of the breaker now. */
  snapshot(): BreakerSnapshot {
    return this.policy.toJSON() as BreakerSnapshot;
  }

  get state(): CircuitState {
    return this.policy.state;
  }
}

/** The breakers of this process, one per endpoint, each rebuilt when the table holds a newer version of its health. */
export class EndpointCircuits {
  private readonly circuits = new Map<string, EndpointCircuit>();

  constructor(private readonly policy: DeliveryPolicy) {}

  of(webhookId: string, health: EndpointHealth): EndpointCircuit {
    const known = this.circuits.get(webhookId);
    // A half-open probe of this process is its own business until it ends; otherwise the table's newer version wins.
    if (known !== undefined && (known.version === health.version || known.state === CircuitState.HalfOpen))
      return known;
    const circuit = EndpointCircuit.restore(this.policy, health);
    this.circuits.set(webhookId, circuit);
    return circuit;
  }

  /**
   * Records that `circuit` matches the table at `version` (after this process wrote it). The same object stays in
   * use, so records of one batch that hold it keep adding their outcomes to one breaker.
   */
  adopt(webhookId: string, circuit: EndpointCircuit, version: number): void {
    circuit.version = version;
    this.circuits.set(webhookId, circuit);
  }
}

/** Two snapshots hold the same breaker state (what decides whether the table needs a write). */
export const sameBreaker = (a: BreakerSnapshot | undefined, b: BreakerSnapshot | undefined): boolean =>
  JSON.stringify(a ?? CLOSED) === JSON.stringify(b ?? CLOSED);

const CLOSED: BreakerSnapshot = { ownState: { value: CircuitState.Closed }, breakerState: 0 };
