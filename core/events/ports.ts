/**
 * The events log's port: every event that crossed the bus, recorded once for GET /api/events and the live feed.
 * Adapter: core/store/dynamo-event-log.ts.
 */
import type { Page, PageRequest } from '../domain/page';
import type { EventBridgeEnvelope } from './order-events';

/** An event as recorded for GET /api/events. */
export interface EventRecord {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
  readonly receivedAt: string;
}

export interface EventLog {
  /** Records one event from the bus; false when it was recorded already (redelivery or republish). */
  recordEvent(envelope: EventBridgeEnvelope, receivedAt: string): Promise<boolean>;
  /** Newest first. */
  listEvents(page?: PageRequest): Promise<Page<EventRecord>>;
}
