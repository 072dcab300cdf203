/**
 * The outbox relay's pass (issue 20 item 7): publishes what a direct publish could not, oldest first, until the
 * outbox is drained or the run's time is up. Before, one failed mark-sent aborted the batch, a run read at most 100
 * records (a backlog drained at 100/min), and records that always failed were retried for ever and, 100 of them,
 * blocked everything behind them.
 *
 * - Pages through the pending records (a position, not "the first 100"), so failing records are passed, not re-read.
 * - Each record's outcome is its own: a failed publish or mark-sent is logged and counted, the rest go on.
 * - A record an entry-level failure (EventBridge refused that entry) hits `maxAttempts` times is parked: off the
 *   pending list, status PARKED, counted for the caller's alarm. A failure of the whole call (the bus unreachable,
 *   throttled) says nothing about the records: it counts no attempt and ends the pass; the next run tries again.
 *
 * One pass at a time is the caller's business (a RelayLease; lambdas/outbox/outbox-relay.ts). Pure: ports only.
 */
import { EventPublishFailedError } from './ports';
import type { EventPublisher, LogPort, OrderOutbox, OutboxRecord } from './ports';

/**
 * Entry-level refusals before a record is parked: at one run a minute, ten minutes of an entry EventBridge keeps
 * refusing (a malformed detail does not heal; a throttled entry heals within seconds).
 */
export const DEFAULT_RELAY_MAX_ATTEMPTS = 10;

/** PutEvents takes at most 10 entries. */
const PUT_EVENTS_MAX_ENTRIES = 10;

export interface RelayPassDeps {
  readonly outbox: OrderOutbox;
  readonly publisher: EventPublisher;
  readonly log: LogPort;
  readonly now: () => Date;
}

export interface RelayPassOptions {
  /** Records younger than this are left alone (a direct publish may still be writing them). */
  readonly minAgeMs: number;
  /** Entry-level failures after which a record is parked. */
  readonly maxAttempts: number;
  /** Records read per query. */
  readonly pageSize: number;
  /** Epoch ms after which no new page is started. */
  readonly deadlineMs: number;
}

export interface RelayReport {
  readonly published: number;
  /** Records whose publish failed this pass (still pending, or parked). */
  readonly failed: number;
  /** Records parked this pass: the alarm's metric. */
  readonly parked: number;
  /** Published but not marked sent: the next pass publishes them again (consumers deduplicate on eventId). */
  readonly unmarked: number;
  /** True when the pass saw the end of the pending records; false when the deadline or an outage ended it. */
  readonly drained: boolean;
}

type Outcome = { kind: 'published' } | { kind: 'refused'; reason: string } | { kind: 'outage'; reason: string };

/** One PutEvents: each record's outcome. */
const publishBatch = async (publisher: EventPublisher, batch: readonly OutboxRecord[]): Promise<Outcome[]> => {
  try {
    await publisher.publish(batch.map((record) => record.event));
    return batch.map(() => ({ kind: 'published' }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!(error instanceof EventPublishFailedError) || error.failedIndexes.length === 0)
      return batch.map(() => ({ kind: 'outage', reason }));
    const refused = new Set(error.failedIndexes);
    return batch.map((_, index) => (refused.has(index) ? { kind: 'refused', reason } : { kind: 'published' }));
  }
};

export const relayOutbox = async (deps: RelayPassDeps, options: RelayPassOptions): Promise<RelayReport> => {
  const createdBefore = new Date(deps.now().getTime() - options.minAgeMs).toISOString();
  const counts = { published: 0, failed: 0, parked: 0, unmarked: 0 };
  let after: OutboxRecord | undefined;
  while (deps.now().getTime() < options.deadlineMs) {
    const page = await deps.outbox.listPendingOutbox(createdBefore, options.pageSize, after);
    if (page.length === 0) return { ...counts, drained: true };
    for (let start = 0; start < page.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = page.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      const outcomes = await publishBatch(deps.publisher, batch);
      const at = deps.now().toISOString();
      // The records of a batch are settled side by side: each has its own outcome, none waits for another's.
      await Promise.all(
        batch.map(async (record, index) => {
          const outcome = outcomes[index];
          const ids = { orderId: record.orderId, eventId: record.eventId };
          if (outcome.kind === 'published') {
            counts.published += 1;
            try {
              await deps.outbox.markOutboxSent(record.orderId, record.eventId, at);
            } catch (error) {
              counts.unmarked += 1;
              deps.log.warn('outbox record published but not marked sent; the next pass republishes it', {
                ...ids,
                error,
              });
            }
            return;
          }
          counts.failed += 1;
          if (outcome.kind === 'outage') return;
          try {
            const state = await deps.outbox.recordPublishFailure(record, outcome.reason, options.maxAttempts, at);
            if (state === 'parked') {
              counts.parked += 1;
              deps.log.error('outbox record parked after its last attempt', {
                ...ids,
                attempts: options.maxAttempts,
                reason: outcome.reason,
              });
            }
          } catch (error) {
            deps.log.warn('could not count a failed publish of an outbox record', { ...ids, error });
          }
        }),
      );
      if (outcomes.some((outcome) => outcome.kind === 'outage')) {
        deps.log.warn('the bus refused a whole PutEvents; the pass ends and the next run retries', {
          reason: outcomes.find((outcome) => outcome.kind === 'outage')?.reason,
        });
        return { ...counts, drained: false };
      }
    }
    if (page.length < options.pageSize) return { ...counts, drained: true };
    after = page[page.length - 1];
  }
  return { ...counts, drained: false };
};
