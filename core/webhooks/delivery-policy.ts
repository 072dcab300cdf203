/**
 * How outbound webhooks are retried, as the Standard Webhooks operational guidance describes: what an answer means
 * (2xx delivered; 3xx and every other code failed; 410 Gone disables the endpoint; 429/502/503/504 throttle and
 * `Retry-After` is honoured), the retry schedule over hours with jitter, and the settings of the per-endpoint
 * circuit breaker. Pure: no clock, no randomness of its own, no SDK; deliver-webhook passes them in.
 *
 * Durations are real time. The local cloud runs them faster through `timeScale` (WEBHOOK_TIME_SCALE), applied only
 * where a wait becomes an SQS visibility or a breaker cool-down, so the same policy is tested at a fast clock.
 */
import { WebhookError } from './errors';

/** SQS's longest visibility timeout (ChangeMessageVisibility) and delay: 12 hours. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** SQS's longest message retention: 14 days. */
export const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600;
/** A `Retry-After` longer than this is cut to it: one SQS visibility, so a receiver cannot park a message for days. */
export const RETRY_AFTER_CAP_SECONDS = SQS_MAX_VISIBILITY_SECONDS;

export interface DeliveryPolicy {
  /**
   * The wait before each attempt, in seconds: `[0, 5, 300, ...]` means the first attempt at once, the second 5 s
   * after the first failed, and so on; after the last attempt fails the delivery is given up (dead-lettered).
   */
  readonly retryScheduleSeconds: readonly number[];
  /** Each wait is spread uniformly over ±this share of itself (0.2: 5 min becomes 4-6 min). */
  readonly jitterRatio: number;
  /** Consecutive failed attempts to one endpoint that open its circuit. */
  readonly breakerThreshold: number;
  /** The open circuit's cool-down before a half-open probe: starts at `initial`, doubles per failed probe up to `max`. */
  readonly breakerCooldownSeconds: { readonly initial: number; readonly max: number };
  /**
   * A delivery older than this (since it was first queued) is given up at its next receive, paused or not: the
   * schedule plus the pauses must end well inside SQS's 14-day retention, which is never reached silently.
   */
  readonly maxDeliveryAgeSeconds: number;
  /** 1 in AWS; the local cloud's timeScale (e.g. 0.001) makes every wait that much shorter. */
  readonly timeScale: number;
}

/** The environment variables deliver-webhook reads its policy from (resources.ts sets them; stages override). */
export const DELIVERY_POLICY_ENV = {
  retrySchedule: 'WEBHOOK_RETRY_SCHEDULE',
  breakerThreshold: 'WEBHOOK_BREAKER_THRESHOLD',
  breakerCooldown: 'WEBHOOK_BREAKER_COOLDOWN',
  maxDeliveryAge: 'WEBHOOK_MAX_DELIVERY_AGE',
  timeScale: 'WEBHOOK_TIME_SCALE',
} as const;

/** The settings as a stage writes them: durations such as `5s`, `30m`, `2h`, `4d`. */
export interface DeliveryPolicySettings {
  /** Comma-separated waits before each attempt, e.g. `0s,5s,5m,30m,2h,5h,10h,14h,20h,24h`. */
  readonly retrySchedule: string;
  readonly breakerThreshold: number;
  /** `initial,max`, e.g. `1m,1h`. */
  readonly breakerCooldown: string;
  readonly maxDeliveryAge: string;
}

/** The Standard Webhooks example schedule: 10 attempts over 75 h 35 min 5 s. */
export const STANDARD_WEBHOOKS_SCHEDULE = '0s,5s,5m,30m,2h,5h,10h,14h,20h,24h';

export class DeliveryPolicyInvalidError extends WebhookError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`, { code: 'WEBHOOK_POLICY_INVALID' });
    this.name = 'DeliveryPolicyInvalidError';
  }
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `5m`, `2h`, `4d` -> seconds; throws naming `key` for anything else. */
export const parseDuration = (key: string, raw: string): number => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/.exec(raw);
  if (match === null) throw new DeliveryPolicyInvalidError(key, `"${raw}" is not a duration such as 30s, 5m, 2h or 4d`);
  return Number(match[1]) * UNIT_SECONDS[match[2]];
};

const positiveInteger = (key: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new DeliveryPolicyInvalidError(key, `"${raw}" is not a positive integer`);
  return value;
};

/** Checks the settings against each other and SQS's limits; answers the frozen policy. */
export const deliveryPolicy = (settings: DeliveryPolicySettings, timeScale = 1): DeliveryPolicy => {
  const env = DELIVERY_POLICY_ENV;
  const schedule = settings.retrySchedule.split(',').map((part) => parseDuration(env.retrySchedule, part));
  if (schedule.length === 0 || schedule[0] !== 0)
    throw new DeliveryPolicyInvalidError(env.retrySchedule, 'the first attempt is immediate: start with 0s');
  if (schedule.length > 20) throw new DeliveryPolicyInvalidError(env.retrySchedule, 'at most 20 attempts');
  const cooldown = settings.breakerCooldown.split(',').map((part) => parseDuration(env.breakerCooldown, part));
  if (cooldown.length !== 2 || !(cooldown[0] > 0) || cooldown[1] < cooldown[0])
    throw new DeliveryPolicyInvalidError(env.breakerCooldown, 'expected "initial,max" with 0 < initial <= max');
  if (cooldown[1] > SQS_MAX_VISIBILITY_SECONDS)
    throw new DeliveryPolicyInvalidError(
      env.breakerCooldown,
      'the longest cool-down must fit one SQS visibility (12h)',
    );
  const maxAge = parseDuration(env.maxDeliveryAge, settings.maxDeliveryAge);
  const scheduleTotal = schedule.reduce((sum, wait) => sum + wait, 0);
  if (maxAge < scheduleTotal)
    throw new DeliveryPolicyInvalidError(env.maxDeliveryAge, `shorter than the schedule itself (${scheduleTotal} s)`);
  // The message must still exist when it is given up: a day of margin inside the retention for the last wait.
  if (maxAge > SQS_MAX_RETENTION_SECONDS - 86_400)
    throw new DeliveryPolicyInvalidError(env.maxDeliveryAge, 'must end at least a day inside SQS’s 14-day retention');
  if (!(timeScale > 0 && timeScale <= 1))
    throw new DeliveryPolicyInvalidError(env.timeScale, `"${timeScale}" is not a number in (0, 1]`);
  return Object.freeze({
    retryScheduleSeconds: Object.freeze(schedule),
    jitterRatio: 0.2,
    breakerThreshold: settings.breakerThreshold,
    breakerCooldownSeconds: Object.freeze({ initial: cooldown[0], max: cooldown[1] }),
    maxDeliveryAgeSeconds: maxAge,
    timeScale,
  });
};

/** The policy from deliver-webhook's environment; a missing or malformed variable throws naming it. */
export const deliveryPolicyFromEnv = (env: Readonly<Record<string, string | undefined>>): DeliveryPolicy => {
  const keys = DELIVERY_POLICY_ENV;
  const required = (key: string): string => {
    const value = env[key]?.trim();
    if (value === undefined || value === '') throw new DeliveryPolicyInvalidError(key, 'is not set');
    return value;
  };
  const rawScale = env[keys.timeScale]?.trim();
  return deliveryPolicy(
    {
      retrySchedule: required(keys.retrySchedule),
      breakerThreshold: positiveInteger(keys.breakerThreshold, required(keys.breakerThreshold)),
      breakerCooldown: required(keys.breakerCooldown),
      maxDeliveryAge: required(keys.maxDeliveryAge),
    },
    rawScale === undefined || rawScale === '' ? 1 : Number(rawScale),
  );
};

/** The environment that gives deliver-webhook these settings (the stage config's side of deliveryPolicyFromEnv). */
export const deliveryPolicyEnvironment = (settings: DeliveryPolicySettings): Record<string, string> => ({
  [DELIVERY_POLICY_ENV.retrySchedule]: settings.retrySchedule,
  [DELIVERY_POLICY_ENV.breakerThreshold]: String(settings.breakerThreshold),
  [DELIVERY_POLICY_ENV.breakerCooldown]: settings.breakerCooldown,
  [DELIVERY_POLICY_ENV.maxDeliveryAge]: settings.maxDeliveryAge,
});

// ---- answers --------------------------------------------------------------------------------------------------

/** What one attempt's answer means for the delivery, the endpoint and its circuit. */
export type AttemptVerdict =
  | { readonly kind: 'delivered'; readonly statusCode: number }
  /** 410 Gone: the receiver wants no more webhooks; the endpoint is disabled. */
  | { readonly kind: 'gone'; readonly statusCode: 410 }
  /** 429, 502, 503, 504: the receiver is overloaded; wait at least `retryAfterSeconds` when it said so. */
  | { readonly kind: 'throttled'; readonly statusCode: number; readonly retryAfterSeconds?: number }
  /** Any other code (3xx included: redirects are not followed), or no answer (refused, timeout, address refused). */
  | { readonly kind: 'failed'; readonly statusCode?: number; readonly retryAfterSeconds?: number };

const THROTTLING = new Set([429, 502, 503, 504]);

/**
 * `Retry-After` as seconds from `nowMs`: delta-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`),
 * cut to RETRY_AFTER_CAP_SECONDS; undefined when absent or unreadable, 0 for a date in the past.
 */
export const parseRetryAfter = (raw: string | undefined, nowMs: number): number | undefined => {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  let seconds: number;
  if (/^\d+$/.test(value)) seconds = Number(value);
  else {
    // HTTP dates name a weekday and end in GMT (RFC 9110 IMF-fixdate; Date.parse also reads the obsolete forms).
    if (!/[A-Za-z]{3}/.test(value)) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, Math.ceil((at - nowMs) / 1000));
  }
  return Math.min(seconds, RETRY_AFTER_CAP_SECONDS);
};

/** Classifies an answer (or its absence) per the Standard Webhooks guidance. */
export const classifyAnswer = (
  statusCode: number | undefined,
  retryAfter: string | undefined,
  nowMs: number,
): AttemptVerdict => {
  if (statusCode !== undefined && statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
  if (statusCode === 410) return { kind: 'gone', statusCode };
  const retryAfterSeconds = statusCode === undefined ? undefined : parseRetryAfter(retryAfter, nowMs);
  const wait = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (statusCode !== undefined && THROTTLING.has(statusCode)) return { kind: 'throttled', statusCode, ...wait };
  return statusCode === undefined ? { kind: 'failed' } : { kind: 'failed', statusCode, ...wait };
};

/** Whether the verdict counts as a failure of the endpoint for its circuit breaker (a 410 disables it instead). */
export const countsAgainstEndpoint = (verdict: AttemptVerdict): boolean =>
  verdict.kind === 'failed' || verdict.kind === 'throttled';

// ---- schedule -------------------------------------------------------------------------------------------------

/**
 * Seconds to wait after the `failedAttempts`-th failed attempt of a delivery, or undefined when the schedule is
 * used up (give the delivery up). The schedule's wait, spread by ±jitterRatio with `random` in [0, 1), and never
 * shorter than the receiver's capped `Retry-After`.
 */
export const nextRetryDelaySeconds = (
  policy: DeliveryPolicy,
  failedAttempts: number,
  verdict: AttemptVerdict,
  random: () => number,
): number | undefined => {
  if (verdict.kind === 'delivered' || verdict.kind === 'gone') return undefined;
  const base = policy.retryScheduleSeconds[failedAttempts];
  if (base === undefined) return undefined;
  const jittered = base * (1 + policy.jitterRatio * (2 * random() - 1));
  return Math.max(jittered, verdict.retryAfterSeconds ?? 0);
};

/** A wait in real seconds as SQS seconds at the policy's time scale: whole, at least 1 when positive, at most 12 h. */
export const queueSeconds = (policy: DeliveryPolicy, seconds: number): number => {
  if (!(seconds > 0)) return 0;
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(seconds * policy.timeScale)));
};

/**
 * How long a message waits while its endpoint is paused (circuit open or throttled): until the endpoint's next
 * probe or `Retry-After`, plus up to half a cool-down of jitter so paused messages do not return as one burst; and
 * never less than `initial × 2^(receives−1)` (capped at the longest cool-down), so a message paused over and over
 * comes back less and less often and stays far below the queue's maxReceiveCount (see maxReceivesBound).
 */
export const pauseSeconds = (
  policy: DeliveryPolicy,
  untilResumeSeconds: number,
  receiveCount: number,
  random: () => number,
): number => {
  const { initial, max } = policy.breakerCooldownSeconds;
  const floor = Math.min(max, initial * 2 ** Math.max(0, Math.min(30, receiveCount - 1)));
  return Math.max(untilResumeSeconds, floor) + random() * (initial / 2);
};

/**
 * The most receives one message can see before it is given up: every attempt of the schedule, the hops of waits
 * longer than 12 h, plus the pauses that fit in the delivery's maximum age (each pause at least the growing floor of pauseSeconds), plus one receive that
 * finds it too old. The queue's maxReceiveCount must exceed it, so SQS's own redrive only ever catches a handler
 * that crashes on a message, never a delivery that is merely paused.
 */
export const maxReceivesBound = (policy: DeliveryPolicy): number => {
  const { initial, max } = policy.breakerCooldownSeconds;
  let pauses = 0;
  let waited = 0;
  while (waited < policy.maxDeliveryAgeSeconds) {
    pauses += 1;
    waited += Math.min(max, initial * 2 ** Math.min(30, pauses - 1));
  }
  // A wait longer than one visibility (12 h) is served in hops: the message comes back early and is hidden again.
  const hops = policy.retryScheduleSeconds.reduce(
    (sum, wait) => sum + Math.max(0, Math.ceil((wait * (1 + policy.jitterRatio)) / SQS_MAX_VISIBILITY_SECONDS) - 1),
    0,
  );
  return policy.retryScheduleSeconds.length + hops + pauses + 1;
};
