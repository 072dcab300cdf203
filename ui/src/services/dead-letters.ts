/**
 * Reads what an operator needs from a dead-letter sample (GET /api/admin/dlqs returns the raw SQS body): which
 * event it carried, for which order, how old it is and how often it was tried. Bodies are an EventBridge envelope
 * (`detail-type`, `detail.orderId`) on the processing queues, a delivery message (`eventType`, `payload`) on the
 * webhook deliveries queue, or anything else on the EventBridge failure queue; an unknown body is shown as text.
 */
import type { DeadLetterQueue } from './types';

export type DeadLetterSample = DeadLetterQueue['samples'][number];

export interface DeadLetterView {
  messageId: string;
  eventType?: string;
  orderId?: string;
  receiveCount?: number;
  sentAt?: string;
  /** The body, shortened, when nothing readable could be taken from it. */
  raw?: string;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const parse = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/** Event type and order id of a dead letter, from whichever of the platform's message shapes it has. */
export const describeDeadLetter = (sample: DeadLetterSample): DeadLetterView => {
  const body = record(parse(sample.body));
  const detail = record(body?.detail);
  const payload = record(typeof body?.payload === 'string' ? parse(body.payload) : body?.payload);
  const data = record(payload?.data);
  const eventType =
    text(body?.['detail-type']) ?? text(body?.detailType) ?? text(body?.eventType) ?? text(payload?.type);
  const orderId = text(detail?.orderId) ?? text(data?.orderId) ?? text(body?.orderId);
  return {
    messageId: sample.messageId,
    ...(eventType ? { eventType } : {}),
    ...(orderId ? { orderId } : {}),
    ...(sample.receiveCount === undefined ? {} : { receiveCount: sample.receiveCount }),
    ...(sample.sentAt ? { sentAt: sample.sentAt } : {}),
    ...(eventType || orderId ? {} : { raw: sample.body.length > 120 ? `${sample.body.slice(0, 120)}…` : sample.body }),
  };
};

/** "12 s ago", "4 min ago", "3 h ago" for a time in the past; "" for a missing or future time. */
export const ageOf = (iso: string | undefined, now: number): string => {
  const at = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(at) || at > now) return '';
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
};

/**
 * How long a message that keeps failing stays on its source queue before SQS moves it to the DLQ: it is received
 * maxReceiveCount times and each failed receive hides it for the visibility timeout. Undefined without settings.
 */
export const secondsUntilDeadLetter = (source: DeadLetterQueue['source']): number | undefined =>
  source ? source.maxReceiveCount * source.visibilityTimeoutSeconds : undefined;
