/**
 * The EventBridge adapter of the EventPublisher port: one PutEvents call per (at most 10) events, and a failure
 * whenever FailedEntryCount is not zero, naming the entries that failed. An event's routing marks go to the entry's
 * Resources; publishers of order events wrap this adapter in WebhookRoutingPublisher (core/webhooks/fan-out-routing.ts).
 */
import { PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PlatformEvent } from '../events/order-events';
import { EventPublishFailedError } from '../orders/ports';
import type { EventPublisher, LogPort } from '../orders/ports';
import { WebhookRoutingPublisher } from '../webhooks/fan-out-routing';
import type { WebhookSubscriptions } from '../webhooks/fan-out-routing';

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
            ...(event.resources === undefined || event.resources.length === 0
              ? {}
              : { Resources: [...event.resources] }),
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

/**
 * The publisher of every producer of order events (API, saga, reconciler, outbox relay): the adapter behind the
 * webhook routing, so an order event reaches the webhook fan-out exactly when its customer has a subscribed endpoint.
 */
export const orderEventPublisher = (
  client: EventBridgeClient,
  eventBusName: string,
  subscriptions: Pick<WebhookSubscriptions, 'hasSubscriber'>,
  log: LogPort,
): EventPublisher => new WebhookRoutingPublisher(new EventBridgePublisher(client, eventBusName), subscriptions, log);
