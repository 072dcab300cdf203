import type { TimelineEntry } from './types';

/** forward: a saga step that moved the order on; failure: the forward step whose failure started compensation
 * (or ended the order); compensation: an undo step; status: an entry without a step (older data). */
export type StepKind = 'forward' | 'compensation' | 'failure' | 'status';
export type StepOutcome = 'ok' | 'failed' | 'info';

export interface TimelineStep {
  /** The saga step, or the status for an entry without one. */
  step: string;
  label: string;
  kind: StepKind;
  outcome: StepOutcome;
  /** The machine-readable outcome (declined, released, ...), when recorded. */
  result?: string;
  status: string;
  at: string;
  /** Milliseconds since the previous entry (the time this step took); undefined for the first. */
  durationMs?: number;
  reason?: string;
  note?: string;
}

export const FORWARD_STEPS = [
  'PlaceOrder',
  'ValidateOrder',
  'ReserveInventory',
  'ChargePayment',
  'ConfirmOrder',
] as const;
export const COMPENSATION_STEPS = ['RefundPayment', 'ReleaseInventory', 'MarkOrderFailed', 'ParkOrder'] as const;

const COMPENSATIONS: ReadonlySet<string> = new Set(COMPENSATION_STEPS);
const FORWARD: ReadonlySet<string> = new Set(FORWARD_STEPS);
/** Outcomes of a step that did not do its job. */
const FAILED_OUTCOMES: ReadonlySet<string> = new Set([
  'invalid',
  'out-of-stock',
  'declined',
  'timed-out',
  'error',
  'parked',
]);
/** Outcomes where a compensation found nothing to undo. */
const NOTHING_OUTCOMES: ReadonlySet<string> = new Set(['nothing-to-refund', 'nothing-to-release']);

const LABELS: Record<string, string> = {
  PlaceOrder: 'Order placed',
  ValidateOrder: 'Validate order',
  ReserveInventory: 'Reserve inventory',
  ChargePayment: 'Charge payment',
  ConfirmOrder: 'Confirm order',
  RefundPayment: 'Refund payment',
  ReleaseInventory: 'Release inventory',
  MarkOrderFailed: 'Mark order failed',
  ParkOrder: 'Park order for an operator',
};

/** "ReserveInventory" / "INVENTORY_RESERVED" / "out-of-stock" -> "Reserve inventory" / "Inventory reserved" / "Out of stock". */
export const humanize = (name: string): string => {
  const words = name
    .replace(/[_-]/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const classify = (entry: TimelineEntry): { kind: StepKind; outcome: StepOutcome } => {
  const step = entry.step;
  if (!step)
    return {
      kind: 'status',
      outcome: entry.status === 'FAILED' ? 'failed' : entry.status === 'CONFIRMED' ? 'ok' : 'info',
    };
  if (COMPENSATIONS.has(step)) {
    if (entry.outcome && FAILED_OUTCOMES.has(entry.outcome)) return { kind: 'compensation', outcome: 'failed' };
    return { kind: 'compensation', outcome: entry.outcome && NOTHING_OUTCOMES.has(entry.outcome) ? 'info' : 'ok' };
  }
  const failedForward =
    (FORWARD.has(step) && entry.status === 'COMPENSATING') ||
    (entry.outcome !== undefined && FAILED_OUTCOMES.has(entry.outcome));
  if (failedForward) return { kind: 'failure', outcome: 'failed' };
  return { kind: 'forward', outcome: 'ok' };
};

/** Orders the saga timeline by time (stable for equal times) and classifies each entry. */
export const buildTimeline = (entries: readonly TimelineEntry[]): TimelineStep[] => {
  const sorted = entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.index - b.index)
    .map(({ entry }) => entry);
  return sorted.map((entry, index) => {
    const prior = index > 0 ? sorted[index - 1] : undefined;
    const previous = prior ? Date.parse(prior.at) : NaN;
    const current = Date.parse(entry.at);
    const durationMs =
      Number.isFinite(previous) && Number.isFinite(current) ? Math.max(0, current - previous) : undefined;
    const { kind, outcome } = classify(entry);
    const name = entry.step ?? entry.status;
    return {
      step: name,
      label: entry.step ? (LABELS[entry.step] ?? humanize(entry.step)) : humanize(entry.status),
      kind,
      outcome,
      ...(entry.outcome ? { result: entry.outcome } : {}),
      status: entry.status,
      at: entry.at,
      durationMs,
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.note ? { note: entry.note } : {}),
    };
  });
};

/** 850 -> "850 ms", 1500 -> "1.5 s", 95000 -> "1 min 35 s". */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
};
