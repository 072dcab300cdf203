/**
 * The EventBridge adapter of the EventPublisher port: one PutEvents call per (at most 10) events, and a failure
 * whenever FailedEntryCount is not zero, naming the entries that failed.
 */
import { PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PlatformEvent } from '../events/order-events';
import { EventPublishFailedError } from '../orders/ports';
import type { EventPublisher } from '../orders/ports';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length > 10) throw new EventPublishFailedError('PutEvents takes at most 10 entries', [...events.keys()]);
    let response: PutEventsCommandOutput;
    try {
      response = await this.client.send(
        new PutEventsCommand({
          Entries: events.map((event) => ({
            EventBusName: this.eventBusName,
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
    } catch (cause) {
      throw new EventPublishFailedError(`PutEvents to ${this.eventBusName} failed`, [], { cause });
    }
    const failed = (response.Entries ?? []).flatMap((entry, index) =>
      entry.ErrorCode === undefined && entry.EventId !== undefined ? [] : [index],
    );
    if (
      (response.FailedEntryCount ?? 0) > 0 ||
      failed.length > 0 ||
      (response.Entries ?? []).length !== events.length
    ) {
      const reasons = (response.Entries ?? [])
        .filter((entry) => entry.ErrorCode !== undefined)
        .map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`);
      throw new EventPublishFailedError(
        `PutEvents reported ${response.FailedEntryCount ?? failed.length} failed entries (${reasons.join('; ')})`,
        failed.length > 0 ? failed : [...events.keys()],
      );
    }
  }
}
