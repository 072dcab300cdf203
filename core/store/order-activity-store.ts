/**
 * What an order caused, for the order page: the emails sent about it and every webhook delivery attempt of its
 * events. Items live in the order's partition (keys in ./keys.ts, access pattern in ./README.md):
 *  - email: `PK=ORDER#<orderId>`, `SK=ACTIVITY#EMAIL#<eventId>`, written once per event (a repeat is a no-op);
 *  - delivery attempt: `PK=ORDER#<orderId>`, `SK=ACTIVITY#DELIVERY#<at>#<deliveryId>#<attempt>`, one per attempt.
 * Both expire with the delivery log (30 days, TTL `expiresAt`). One Query reads the whole activity of an order.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';

const ACTIVITY_TTL_SECONDS = 30 * 24 * 60 * 60;

/** One email sent because of an order event. */
export interface OrderEmail {
  readonly to: string;
  readonly subject: string;
  /** The event type that caused it: `order.confirmed` or `order.failed`. */
  readonly kind: string;
  readonly sentAt: string;
  readonly messageId: string;
}

/** One attempt to deliver one of the order's events to a webhook endpoint. */
export interface OrderDeliveryAttempt {
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly url: string;
  readonly eventType: string;
  readonly attempt: number;
  /** Absent when no response came (timeout, refused, address rejected). */
  readonly statusCode?: number;
  readonly at: string;
  readonly outcome: 'DELIVERED' | 'FAILED';
}

export interface OrderActivity {
  /** Oldest first. */
  readonly emails: OrderEmail[];
  /** Oldest first. */
  readonly deliveries: OrderDeliveryAttempt[];
}

type Item = Record<string, unknown>;

const expiresAt = (at: string): number => Math.floor(Date.parse(at) / 1000) + ACTIVITY_TTL_SECONDS;

const toEmail = (item: Item): OrderEmail => ({
  to: item.to as string,
  subject: item.subject as string,
  kind: item.kind as string,
  sentAt: item.sentAt as string,
  messageId: item.messageId as string,
});

const toDelivery = (item: Item): OrderDeliveryAttempt => ({
  webhookId: item.webhookId as string,
  deliveryId: item.deliveryId as string,
  url: item.url as string,
  eventType: item.eventType as string,
  attempt: item.attempt as number,
  ...(item.statusCode === undefined ? {} : { statusCode: item.statusCode as number }),
  at: item.at as string,
  outcome: item.outcome as OrderDeliveryAttempt['outcome'],
});

export class DynamoOrderActivityStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records the email sent for `eventId`; false when that event's email was recorded already (the first record stays). */
  async recordEmail(orderId: string, eventId: string, email: OrderEmail): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.orderEmail(orderId, eventId),
            type: 'ORDER_EMAIL',
            orderId,
            eventId,
            ...email,
            expiresAt: expiresAt(email.sentAt),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records one delivery attempt; the same (at, delivery, attempt) written twice is one item. */
  async recordDeliveryAttempt(orderId: string, attempt: OrderDeliveryAttempt): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.orderDeliveryAttempt(orderId, attempt.at, attempt.deliveryId, attempt.attempt),
          type: 'ORDER_DELIVERY',
          orderId,
          ...attempt,
          expiresAt: expiresAt(attempt.at),
        },
      }),
    );
  }

  /** Everything the order caused, oldest first; empty lists for an order that caused nothing (yet). */
  async getActivity(orderId: string): Promise<OrderActivity> {
    const partition = keys.orderActivity(orderId);
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': partition.PK, ':sk': partition.SKPrefix },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(response.Items ?? []));
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    const emails = items
      .filter((item) => item.type === 'ORDER_EMAIL')
      .map(toEmail)
      .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    const deliveries = items.filter((item) => item.type === 'ORDER_DELIVERY').map(toDelivery);
    return { emails, deliveries };
  }
}
