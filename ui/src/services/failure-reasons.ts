/**
 * Why an order failed, in words a customer understands. The API records a reason code (`PAYMENT_DECLINED`) and,
 * on the timeline, the error text of the step that failed (`InjectedFaultError: ...`); the code is for people who
 * run the platform, the error text is internal. Customers see only the sentence below; admins may expand the rest.
 */
import type { FailureReason } from './types';

const REASONS: Record<FailureReason, string> = {
  VALIDATION_FAILED: 'The order could not be accepted: a product in it is unknown or the order is not valid.',
  OUT_OF_STOCK: 'Not enough stock was left for a product in this order.',
  PAYMENT_DECLINED: 'The card was declined. No money was taken.',
  CONFIRMATION_FAILED: 'The order could not be completed because of a problem on our side. Any payment was refunded.',
  COMPENSATION_FAILED: 'The order ran into a problem on our side and is being looked at by our team.',
  SAGA_TIMEOUT: 'The order took too long to process and was cancelled. Any payment was refunded.',
  INTERNAL_ERROR: 'The order could not be completed because of a problem on our side. Any payment was refunded.',
};

/** The customer-facing sentence for a reason code; an unknown code gets a generic sentence, never the code. */
export const describeFailure = (reason: string | undefined | null): string | undefined => {
  if (!reason) return undefined;
  return REASONS[reason as FailureReason] ?? 'The order could not be completed.';
};
