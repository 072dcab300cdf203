/**
 * The local EventBridge's vocabulary: the sink targets are delivered through, delivery failures, the inputs and
 * answers of its in-process API, the stored rule, archive and replay, and the limits and helpers both the engine and
 * the JSON API apply.
 */
import { AwsServiceError } from '../edge/types';
import type { InputTransformer } from './input-transform';
import type { CompiledEventPattern } from './pattern';

/** Where matched events go; the local cloud (cloud/delivery.ts) maps target ARNs to SQS, Lambda and Step Functions. */
export interface TargetSink {
  deliver(target: {
    readonly arn: string;
    readonly input: string;
    readonly id: string;
    readonly ruleArn: string;
    readonly traceHeader?: string;
  }): Promise<void>;
}

/** A target that still failed after its retries. */
export interface DeliveryFailure {
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly attempts: number;
  readonly error: unknown;
  /** What the target was to receive (after InputPath/InputTransformer), for its dead-letter queue. */
  readonly input: string;
}

export interface LocalEventBridgeOptions {
  readonly sink: TargetSink;
  readonly region?: string;
  readonly account?: string;
  /** Attempts per target delivery (default 3), `retryDelayMs` apart (default 50, doubling). */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly onDeliveryError?: (failure: DeliveryFailure) => void;
  /** Local schedule intervals in seconds by rule name, instead of the expression's own rate (and for cron). */
  readonly scheduleOverrides?: Readonly<Record<string, number>>;
  readonly now?: () => Date;
}

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  readonly EventBusName?: string;
  readonly Time?: Date | number | string;
  readonly TraceHeader?: string;
}

export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly (
    | { readonly EventId: string }
    | { readonly ErrorCode: string; readonly ErrorMessage: string }
  )[];
}

export interface Target {
  readonly Id: string;
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformer;
}

export interface RuleInput {
  readonly Name: string;
  readonly EventBusName?: string;
  readonly EventPattern?: string;
  readonly ScheduleExpression?: string;
  readonly State?: 'ENABLED' | 'DISABLED';
  readonly Description?: string;
}

export interface Rule {
  readonly name: string;
  readonly bus: string;
  readonly arn: string;
  eventPattern?: string;
  compiled?: CompiledEventPattern;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  readonly targets: Map<string, Target>;
  timer?: NodeJS.Timeout;
}

export interface Archive {
  readonly name: string;
  readonly arn: string;
  readonly sourceBus: string;
  readonly eventPattern?: string;
  readonly compiled?: CompiledEventPattern;
  readonly retentionDays: number;
  readonly description?: string;
  readonly created: Date;
  readonly events: { readonly at: Date; readonly event: Record<string, unknown>; readonly size: number }[];
}

export interface Replay {
  readonly name: string;
  readonly arn: string;
  readonly archive: Archive;
  readonly destination: { Arn: string; FilterArns?: string[] };
  readonly start: Date;
  readonly end: Date;
  readonly startedAt: Date;
  state: 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  endedAt?: Date;
  /** The archive time of the last event sent (DescribeReplay's EventLastReplayedTime). */
  lastReplayed?: Date;
}

export const MAX_ENTRIES = 10;
/**
 * The total size of a PutEvents request's entries (Time 14 bytes, Source, DetailType, Detail and Resources in
 * UTF-8, as AWS's "Calculating PutEvents event entry size" counts them): 1 MB since AWS raised EventBridge's payload
 * limit from 256 KB (January 2026).
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const DEFAULT_BUS = 'default';

export const invalid = (message: string): never => {
  throw new AwsServiceError('ValidationException', message);
};

export const notFound = (message: string): never => {
  throw new AwsServiceError('ResourceNotFoundException', message);
};

export const isJsonObject = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};

/** Size of an entry as EventBridge counts it: Time 14 bytes, then Source, DetailType, Detail and Resources in UTF-8. */
/** One header's value (Node joins repeated headers into an array). */
export const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export const entrySize = (entry: PutEventsEntry): number =>
  (entry.Time === undefined ? 0 : 14) +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0);

export const toDate = (value: Date | number | string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value;
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
};

export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const epochSeconds = (date: Date): number => date.getTime() / 1000;
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const isJsonObjectOrValue = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
