import type { TimelineEntry } from './types';

export type StepKind = 'forward' | 'compensation' | 'failure' | 'status';
export type StepOutcome = 'ok' | 'failed' | 'info';

export interface TimelineStep {
  step: string;
  label: string;
  kind: StepKind;
  outcome: StepOutcome;
  at: string;
  /** Milliseconds since the previous entry (the time this step took); undefined for the first. */
  durationMs?: number;
  detail?: string;
}

const COMPENSATIONS = new Set(['RefundPayment', 'ReleaseInventory', 'MarkOrderFailed', 'COMPENSATING', 'Compensate']);
const FAILED = /fail|error|declin|timeout|reject|out_of_stock/i;
const OK = /succe|ok|done|complete|confirm|captur|reserv|validat|creat|accept|releas|refund/i;

/** "ReserveInventory" / "INVENTORY_RESERVED" -> "Reserve inventory" / "Inventory reserved". */
export const humanize = (name: string): string => {
  const words = name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const describe = (detail: unknown): string | undefined => {
  if (detail === undefined || detail === null || detail === '') return undefined;
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object') {
    const record = detail as Record<string, unknown>;
    for (const key of ['reason', 'failureReason', 'error', 'message']) {
      if (typeof record[key] === 'string') return record[key] as string;
    }
  }
  return JSON.stringify(detail);
};

const kindOf = (entry: TimelineEntry, outcome: StepOutcome): StepKind => {
  if (COMPENSATIONS.has(entry.step) || /compensat|refund|release/i.test(entry.step) || /compensat/i.test(entry.outcome)) return 'compensation';
  if (outcome === 'failed') return 'failure';
  if (/^[A-Z_]+$/.test(entry.step)) return 'status';
  return 'forward';
};

/** Orders the saga timeline by time and classifies each entry as a forward step, a compensation or a failure. */
export const buildTimeline = (entries: readonly TimelineEntry[]): TimelineStep[] => {
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return sorted.map((entry, index) => {
    const outcome: StepOutcome = FAILED.test(entry.outcome) ? 'failed' : OK.test(entry.outcome) ? 'ok' : 'info';
    const previous = index > 0 ? Date.parse(sorted[index - 1]!.at) : NaN;
    const current = Date.parse(entry.at);
    const durationMs = Number.isFinite(previous) && Number.isFinite(current) ? Math.max(0, current - previous) : undefined;
    return {
      step: entry.step,
      label: humanize(entry.step),
      kind: kindOf(entry, outcome),
      outcome,
      at: entry.at,
      durationMs,
      detail: describe(entry.detail),
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
