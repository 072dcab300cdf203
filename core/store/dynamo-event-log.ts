/**
 * The DynamoDB adapter of the EventLog port: one item per event that crossed the bus, keyed by its deduplication
 * id so a redelivery or republish records nothing twice, listed newest first on GSI1, expiring through TTL.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import { deduplicationId } from '../events/order-events';
import type { EventBridgeEnvelope } from '../events/order-events';
import type { EventLog, EventRecord } from '../events/ports';
import { toEventRecord } from './items';
import { EVENT_LOG, GSI1, keys } from './keys';
import { queryPage } from './paging';

const EVENT_LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordEvent(envelope: EventBridgeEnvelope, receivedAt: string): Promise<boolean> {
    const eventId = deduplicationId(envelope);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.event(eventId),
            ...keys.eventInLog(envelope.time, eventId),
            type: 'EVENT',
            eventId,
            source: envelope.source,
            detailType: envelope['detail-type'],
            time: envelope.time,
            detail: envelope.detail,
            receivedAt,
            expiresAt: Math.floor(Date.parse(receivedAt) / 1000) + EVENT_LOG_TTL_SECONDS,
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

  async listEvents(page: PageRequest = {}): Promise<Page<EventRecord>> {
    return queryPage(
      this.client,
      this.tableName,
      { index: GSI1, partitionAttribute: 'GSI1PK', partition: EVENT_LOG, ascending: false, map: toEventRecord },
      page,
    );
  }
}
