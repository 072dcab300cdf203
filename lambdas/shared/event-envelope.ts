/**
 * Every queue fed by an EventBridge rule carries the whole EventBridge envelope in the SQS body, never the order
 * itself. The envelope is parsed here, once, with Powertools' own EventBridge schema (the shape AWS documents:
 * version, id, detail-type, source, account, an ISO time, region, resources), with the detail narrowed to an
 * object. Per record rather than with Powertools' SqsEnvelope: that parses the whole batch at once, so one bad
 * message would fail all of them instead of only itself (batchItemFailures).
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { EventEnvelopeInvalidError } from '../../core/events/order-events';
import type { EventBridgeEnvelope } from '../../core/events/order-events';

const EnvelopeSchema = EventBridgeSchema.extend({ detail: z.record(z.string(), z.unknown()) });

/** Parses an SQS message body holding an EventBridge envelope; EventEnvelopeInvalidError otherwise. */
export const parseEventBridgeEnvelope = (body: string): EventBridgeEnvelope => {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new EventEnvelopeInvalidError('the message body is not JSON', { cause });
  }
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success)
    throw new EventEnvelopeInvalidError(`not an EventBridge envelope: ${parsed.error.message}`, {
      cause: parsed.error,
    });
  return parsed.data;
};
