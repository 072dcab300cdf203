/**
 * Webhook endpoints and their delivery log in the single table (access patterns in ./README.md):
 *  - endpoint: `PK=CUSTOMER#<customerId>`, `SK=WEBHOOK#<webhookId>`, listed by a Query on the customer's partition;
 *  - delivery attempt: `PK=WEBHOOK#<webhookId>`, `SK=DELIVERY#<at>#<deliveryId>#<attempt>`, newest first, 30-day TTL.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { WebhookError } from '../webhooks/errors';
import type { DeliveryAttempt, WebhookEndpoint } from '../webhooks/registration';
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
});

const toAttempt = (item: Item): DeliveryAttempt => ({
  webhookId: item.webhookId as string,
  deliveryId: item.deliveryId as string,
  eventId: item.eventId as string,
  eventType: item.eventType as string,
  attempt: item.attempt as number,
  ...(item.statusCode === undefined ? {} : { statusCode: item.statusCode as number }),
  ok: item.ok as boolean,
  ...(item.error === undefined ? {} : { error: item.error as string }),
  durationMs: item.durationMs as number,
  at: item.at as string,
});

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

  async recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.webhookDelivery(attempt.webhookId, attempt.at, attempt.deliveryId, attempt.attempt),
          type: 'WEBHOOK_DELIVERY',
          ...attempt,
          expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + DELIVERY_LOG_TTL_SECONDS,
        },
      }),
    );
  }

  /** The endpoint's delivery attempts, newest first. */
  async listAttempts(webhookId: string, limit = 50): Promise<DeliveryAttempt[]> {
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
    return (response.Items ?? []).map(toAttempt);
  }
}
