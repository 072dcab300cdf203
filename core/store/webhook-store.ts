/**
 * Webhook endpoints, their health and their deliveries in the single table (access patterns in ./README.md):
 *  - endpoint: `PK=CUSTOMER#<customerId>`, `SK=WEBHOOK#<webhookId>`, listed by a Query on the customer's partition;
 *    its `health` map (circuit breaker, last failure, disabled) is written only when it changes, each write
 *    conditional on the version read (core/webhooks/endpoint-health.ts);
 *  - delivery: `PK=WEBHOOK#<webhookId>`, `SK=MSG#<deliveryId>`, one item per (event, endpoint) rewritten per attempt,
 *    newest first, 30-day TTL from its last attempt.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EndpointHealth } from '../webhooks/endpoint-health';
import { WebhookError } from '../webhooks/errors';
import type { DeliveryRecord, WebhookEndpoint } from '../webhooks/registration';
import { keys } from './keys';

const DELIVERY_LOG_TTL_SECONDS = 30 * 24 * 60 * 60;
/** A customer may register at most this many endpoints (fan-out reads them all per event). */
export const MAX_ENDPOINTS_PER_CUSTOMER = 20;

export class WebhookEndpointLimitError extends WebhookError {
  constructor(readonly limit: number) {
    super(`a customer may register at most ${limit} webhook endpoints`, { code: 'WEBHOOK_LIMIT', httpStatus: 409 });
    this.name = 'WebhookEndpointLimitError';
  }
}

type Item = Record<string, unknown>;

const toEndpoint = (item: Item): WebhookEndpoint => ({
  webhookId: item.webhookId as string,
  customerId: item.customerId as string,
  url: item.url as string,
  eventTypes: item.eventTypes as string[],
  secret: item.secret as string,
  createdAt: item.createdAt as string,
  ...(item.health === undefined ? {} : { health: item.health as EndpointHealth }),
});

const DELIVERY_FIELDS = [
  'webhookId',
  'customerId',
  'deliveryId',
  'eventId',
  'eventType',
  'payload',
  'round',
  'status',
  'attempts',
  'failedAttempts',
  'passStartedAt',
  'lastAttemptAt',
  'lastStatusCode',
  'lastError',
  'nextAttemptAt',
  'deliveredAt',
  'failureReason',
  'attemptLog',
] as const satisfies readonly (keyof DeliveryRecord)[];

const toDelivery = (item: Item): DeliveryRecord =>
  Object.fromEntries(
    DELIVERY_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]),
  ) as unknown as DeliveryRecord;

export class DynamoWebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new endpoint; throws WebhookEndpointLimitError when the customer has too many. */
  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const existing = await this.listEndpoints(endpoint.customerId);
    if (existing.length >= MAX_ENDPOINTS_PER_CUSTOMER) throw new WebhookEndpointLimitError(MAX_ENDPOINTS_PER_CUSTOMER);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.webhook(endpoint.customerId, endpoint.webhookId),
          type: 'WEBHOOK',
          ...endpoint,
          eventTypes: [...endpoint.eventTypes],
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async getEndpoint(customerId: string, webhookId: string): Promise<WebhookEndpoint | undefined> {
    const response = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.webhook(customerId, webhookId), ConsistentRead: true }),
    );
    return response.Item === undefined ? undefined : toEndpoint(response.Item);
  }

  async listEndpoints(customerId: string): Promise<WebhookEndpoint[]> {
    const partition = keys.webhooksOfCustomer(customerId);
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': partition.PK, ':sk': partition.SKPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(response.Items ?? []));
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    return items.map(toEndpoint);
  }

  /** The customer's endpoints subscribed to `eventType`. */
  async listSubscribed(customerId: string, eventType: string): Promise<WebhookEndpoint[]> {
    return (await this.listEndpoints(customerId)).filter((endpoint) => endpoint.eventTypes.includes(eventType));
  }

  /** Whether any endpoint of the customer subscribes to `eventType` (the saga's ProgressSubscribers port). */
  async hasSubscriber(customerId: string, eventType: string): Promise<boolean> {
    return (await this.listSubscribed(customerId, eventType)).length > 0;
  }

  /** Every event type some endpoint of the customer subscribes to (the saga's ProgressSubscribers port). */
  async subscribedTypes(customerId: string): Promise<ReadonlySet<string>> {
    return new Set((await this.listEndpoints(customerId)).flatMap((endpoint) => endpoint.eventTypes));
  }

  /** Deletes an endpoint; false when the customer has no such endpoint. */
  async deleteEndpoint(customerId: string, webhookId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.webhook(customerId, webhookId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Writes the endpoint's health if the table still holds `expectedVersion` (0: never written); false when another
   * process wrote it first, or the endpoint is gone. `health.version` must be `expectedVersion + 1`.
   */
  async saveHealth(
    customerId: string,
    webhookId: string,
    expectedVersion: number,
    health: EndpointHealth,
  ): Promise<boolean> {
    if (health.version !== expectedVersion + 1)
      throw new RangeError(`health version ${health.version} does not follow ${expectedVersion}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhook(customerId, webhookId),
          UpdateExpression: 'SET #health = :health',
          ConditionExpression:
            expectedVersion === 0
              ? 'attribute_exists(PK) AND attribute_not_exists(#health)'
              : 'attribute_exists(PK) AND #health.#version = :expected',
          ExpressionAttributeNames: {
            '#health': 'health',
            ...(expectedVersion === 0 ? {} : { '#version': 'version' }),
          },
          ExpressionAttributeValues: {
            ':health': health,
            ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The delivery's record, read consistently (deliver-webhook decides on it), or undefined before its first attempt. */
  async getDelivery(webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.webhookDelivery(webhookId, deliveryId),
        ConsistentRead: true,
      }),
    );
    return response.Item === undefined ? undefined : toDelivery(response.Item);
  }

  /**
   * Writes the delivery's record after an attempt (one Put: the whole record is at hand and small). Refused, with
   * false, when the table holds a newer round or this round already delivered: a late or duplicate message never
   * undoes a delivery or a resend.
   */
  async saveDelivery(record: DeliveryRecord, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.webhookDelivery(record.webhookId, record.deliveryId),
            type: 'WEBHOOK_DELIVERY',
            ...record,
            attemptLog: [...record.attemptLog],
            expiresAt: Math.floor(Date.parse(at) / 1000) + DELIVERY_LOG_TTL_SECONDS,
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR #round < :round OR (#round = :round AND #status <> :delivered)',
          ExpressionAttributeNames: { '#round': 'round', '#status': 'status' },
          ExpressionAttributeValues: { ':round': record.round, ':delivered': 'delivered' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The endpoint's deliveries, newest event first (of the newest 50 by event id). */
  async listDeliveries(webhookId: string, limit = 50): Promise<DeliveryRecord[]> {
    const partition = keys.webhookDeliveries(webhookId);
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': partition.PK, ':sk': partition.SKPrefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    // The sort key orders by event id: by order (its ULID), then by the status event's name, which is not the order in
    // which an order's events happen (`-confirmed` sorts before `-created`). The page is put in event time order.
    return (response.Items ?? [])
      .map(toDelivery)
      .map((delivery, index) => ({ delivery, index, at: eventTimeOf(delivery.payload) }))
      .sort((a, b) => (a.at === b.at ? a.index - b.index : a.at < b.at ? 1 : -1))
      .map(({ delivery }) => delivery);
  }
}

/** When the delivered event happened: `data.occurredAt`, else the envelope's `timestamp`; '' when unreadable. */
const eventTimeOf = (payload: string): string => {
  try {
    const body = JSON.parse(payload) as { timestamp?: unknown; data?: { occurredAt?: unknown } };
    const at = body.data?.occurredAt ?? body.timestamp;
    return typeof at === 'string' ? at : '';
  } catch {
    return '';
  }
};
