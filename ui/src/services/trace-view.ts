/**
 * Turns an order's raw X-Ray segments (100+ per order: every event-log write, webhook fan-out and SDK call) into
 * the view an engineer reads first: the order's path (the API, the saga execution and its states, the functions
 * that did the work), with the handler's own `## Step` subsegment folded into its function, and business outcomes
 * (a declined card) marked as errors rather than faults. Everything else stays reachable behind "show all".
 */
import type { TraceSegment } from './types';

/**
 * Error names that are outcomes of the business, not failures of the platform: the ASL routes them to a
 * compensation on purpose (core/payments, core/inventory, core/orders; lambdas/saga/order-saga.asl.json).
 */
export const BUSINESS_ERRORS: ReadonlySet<string> = new Set([
  'PaymentDeclinedError',
  'OutOfStockError',
  'OrderValidationError',
]);

/**
 * Functions whose runs are side traffic of an order, not its path: the events log, the outbox relay and the
 * webhook fan-out and deliveries (names end with the logical name; the physical name carries a stage prefix).
 */
const SIDE_FUNCTIONS = ['record-event', 'fan-out-webhooks', 'deliver-webhook', 'outbox-relay'];

export type Problem = 'fault' | 'error' | 'throttle' | 'business';

export interface TraceRow {
  id: string;
  service: string;
  operation: string;
  depth: number;
  /** On the order's path (shown by default), as opposed to side traffic and SDK calls. */
  onPath: boolean;
  /** Inside a side run (events log, webhook fan-out and deliveries, outbox relay). */
  side: boolean;
  problem?: Problem;
  /** Person-readable cause: "PaymentDeclinedError: card declined". */
  cause?: string;
  /** The cause is news on this row (its parent row does not already say the same). */
  causeIsNew: boolean;
  inProgress: boolean;
  start: number;
  end: number | null;
  durationMs: number | null;
}

const isHandlerSubsegment = (s: TraceSegment): boolean => s.kind === 'subsegment' && s.name.startsWith('## ');
const isSideRun = (s: TraceSegment): boolean =>
  s.kind === 'segment' && SIDE_FUNCTIONS.some((fn) => s.name === fn || s.name.endsWith(`-${fn}`));
const causeText = (s: TraceSegment): string | undefined => {
  if (!s.cause) return undefined;
  const { type, message } = s.cause;
  return type && message ? `${type}: ${message}` : (message ?? type);
};

const problemOf = (s: TraceSegment, folded: TraceSegment | undefined): Problem | undefined => {
  const type = s.cause?.type ?? folded?.cause?.type;
  if ((s.fault || s.error || folded?.fault || folded?.error) && type && BUSINESS_ERRORS.has(type)) return 'business';
  if (s.fault) return 'fault';
  if (s.error) return 'error';
  if (s.throttle) return 'throttle';
  return undefined;
};

/**
 * One row per segment, in start order, nested under its parent. `## Step` subsegments become part of their function's
 * row (their cause, their error). A row is on the path when it is a service segment that is not side traffic, or a
 * state of the saga execution; SDK calls and side runs (and all below them) are not.
 */
export const buildTraceRows = (segments: readonly TraceSegment[]): TraceRow[] => {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const handlerOf = new Map<string, TraceSegment>();
  for (const s of segments) if (isHandlerSubsegment(s) && s.parentId) handlerOf.set(s.parentId, s);

  const effectiveParent = (s: TraceSegment): TraceSegment | undefined => {
    let parent = s.parentId ? byId.get(s.parentId) : undefined;
    // A call made inside `## Step` hangs under the function's row, as the subsegment itself is folded away.
    while (parent && isHandlerSubsegment(parent)) parent = parent.parentId ? byId.get(parent.parentId) : undefined;
    return parent;
  };
  const depthOf = (s: TraceSegment): number => {
    let depth = 0;
    let parent = effectiveParent(s);
    while (parent && depth < 12) {
      depth += 1;
      parent = effectiveParent(parent);
    }
    return depth;
  };
  const underSideRun = (s: TraceSegment): boolean => {
    let current: TraceSegment | undefined = s;
    for (let hops = 0; current && hops < 16; hops += 1) {
      if (isSideRun(current)) return true;
      current = current.parentId ? byId.get(current.parentId) : undefined;
    }
    return false;
  };
  const isSagaState = (s: TraceSegment): boolean =>
    s.kind === 'subsegment' && byId.get(s.parentId ?? '')?.origin === 'AWS::StepFunctions::StateMachine';

  return segments
    .filter((s) => !isHandlerSubsegment(s))
    .map((s) => {
      const folded = handlerOf.get(s.id);
      const problem = problemOf(s, folded);
      const cause = causeText(s) ?? (folded ? causeText(folded) : undefined);
      const side = underSideRun(s);
      const parent = effectiveParent(s);
      const parentHandler = parent ? handlerOf.get(parent.id) : undefined;
      const parentCause = parent
        ? (causeText(parent) ?? (parentHandler ? causeText(parentHandler) : undefined))
        : undefined;
      return {
        id: s.id,
        service: s.name,
        operation: s.operation ?? (isSagaState(s) ? 'saga state' : s.kind === 'segment' ? (s.origin ?? '') : ''),
        depth: Math.min(depthOf(s), 4),
        onPath: !side && (s.kind === 'segment' || isSagaState(s)),
        side,
        ...(problem ? { problem } : {}),
        ...(cause ? { cause } : {}),
        causeIsNew: cause !== undefined && cause !== parentCause,
        inProgress: s.inProgress,
        start: s.start,
        end: s.end,
        durationMs: s.durationMs,
      };
    })
    .sort((a, b) => a.start - b.start);
};
