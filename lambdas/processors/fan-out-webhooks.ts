/**
 * Queue `webhooks` (rule order-events-to-webhooks): one order event -> one message on webhook-deliveries per
 * endpoint of the OWNING customer subscribed to the event type, so each endpoint retries on its own and one
 * failing endpoint never re-sends to the others. The body every endpoint receives is the Standard Webhooks
 * payload `{type, timestamp, data}`, fixed here once so retries sign identical bytes. Idempotent by itself: a repeat
 * queues the same messages again, with the same delivery ids, and deliver-webhook sends each delivery id once
 * (Powertools Idempotency there), so this function keeps no idempotency record of its own (issue 18).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ORDER_EVENT_TYPES } from '../../core/events/order-events';
import { requiredEnv } from '../../core/config/env';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import type { DeliveryMessage } from '../../core/webhooks/registration';
import { deliveryId } from '../../core/webhooks/signing';
import { captured } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';
import { orderEventProcessor } from './order-event-processor';
import type { OrderEvent, SqsHandler } from './order-event-processor';

export class WebhookFanOutFailedError extends Error {
  constructor(
    readonly eventId: string,
    readonly failedWebhookIds: readonly string[],
  ) {
    super(
      `event ${eventId}: ${failedWebhookIds.length} delivery messages could not be queued (${failedWebhookIds.join(', ')}); the event is retried and deliveries deduplicate on their id`,
    );
    this.name = 'WebhookFanOutFailedError';
  }
}

export interface FanOutDeps {
  readonly store: Pick<DynamoWebhookStore, 'listSubscribed'>;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly persistence?: Parameters<typeof orderEventProcessor>[0]['persistence'];
}

/** The exact body POSTed to every endpoint for this event. */
export const webhookPayload = (event: OrderEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.envelope.time, data: event.detail });

export const createFanOutHandler = (deps: FanOutDeps): SqsHandler =>
  orderEventProcessor({
    name: 'fan-out-webhooks',
    persistence: deps.persistence,
    accepts: ORDER_EVENT_TYPES,
    work: async (event: OrderEvent, log: Logger) => {
      const endpoints = await deps.store.listSubscribed(event.detail.customerId, event.type);
      const payload = webhookPayload(event);
      const messages = endpoints.map(
        (endpoint): DeliveryMessage => ({
          customerId: event.detail.customerId,
          webhookId: endpoint.webhookId,
          deliveryId: deliveryId(event.eventId, endpoint.webhookId),
          eventId: event.eventId,
          eventType: event.type,
          payload,
        }),
      );
      const failed: string[] = [];
      for (let start = 0; start < messages.length; start += 10) {
        const chunk = messages.slice(start, start + 10);
        const response = await deps.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: deps.queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
          }),
        );
        for (const failure of response.Failed ?? [])
          failed.push(chunk[Number(failure.Id)]?.webhookId ?? `entry ${failure.Id}`);
      }
      if (failed.length > 0) throw new WebhookFanOutFailedError(event.eventId, failed);
      log.debug('deliveries queued', { endpoints: endpoints.map((endpoint) => endpoint.webhookId) });
      return { deliveries: messages.length };
    },
  });

let configured: SqsHandler | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  if (configured === undefined) {
    const dynamo = captured(new DynamoDBClient({}));
    const tableName = requiredEnv(process.env, 'TABLE_NAME');
    configured = createFanOutHandler({
      store: new DynamoWebhookStore(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ),
      sqs: captured(new SQSClient({})),
      queueUrl: requiredEnv(process.env, 'WEBHOOK_DELIVERIES_QUEUE_URL'),
    });
  }
  return configured(event, context);
};
