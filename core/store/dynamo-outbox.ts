/**
 * The DynamoDB adapter of the OrderOutbox port (the relay's side of the outbox) and of the relay's lease. Records
 * are written when a direct publish failed (`saveUnpublished`: the API's order.created, a saga step's status event),
 * or with the order by `createOrder` when given one; pending ones sit on GSI2 under one partition until they
 * are marked sent (off the index) or parked after the relay's attempt cap (to the parked partition).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderNotFoundError } from '../orders/errors';
import type { OrderOutbox, OutboxRecord, RelayLease } from '../orders/ports';
import { outboxItem, toOutbox } from './items';
import { hydrate } from './hydrate';
import { GSI2, keys, OUTBOX_PENDING } from './keys';

/** Only so much of an error message is kept on a record. */
const MAX_ERROR_LENGTH = 500;

export class DynamoOutbox implements OrderOutbox, RelayLease {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listPendingOutbox(createdBefore: string, limit: number, after?: OutboxRecord): Promise<OutboxRecord[]> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI2,
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
        ExpressionAttributeValues: { ':pk': OUTBOX_PENDING, ':before': createdBefore },
        Limit: limit,
        // A position, not an item: it holds even when `after` has since left the index (sent or parked).
        ...(after === undefined
          ? {}
          : {
              ExclusiveStartKey: {
                ...keys.outbox(after.orderId, after.eventId),
                ...keys.outboxPending(after.createdAt, after.eventId),
              },
            }),
      }),
    );
    // The index holds keys only: the records are read after; one sent or parked meanwhile is no longer pending.
    const records = await hydrate(this.client, this.tableName, response.Items ?? []);
    return records.filter((item) => item.GSI2PK === OUTBOX_PENDING).map(toOutbox);
  }

  async markOutboxSent(orderId: string, eventId: string, sentAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.outbox(orderId, eventId),
          UpdateExpression: 'SET outboxStatus = :sent, sentAt = :at REMOVE GSI2PK, GSI2SK',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':sent': 'SENT', ':at': sentAt },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new OrderNotFoundError(orderId);
      throw error;
    }
  }

  async saveUnpublished(records: readonly OutboxRecord[]): Promise<void> {
    await Promise.all(
      records.map(async (record) => {
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: outboxItem(record),
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
  }

  async recordPublishFailure(
    record: OutboxRecord,
    reason: string,
    maxAttempts: number,
    at: string,
  ): Promise<'pending' | 'parked' | 'unchanged'> {
    const previous = record.attempts ?? 0;
    const attempts = previous + 1;
    const park = attempts >= maxAttempts;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.outbox(record.orderId, record.eventId),
          UpdateExpression: park
            ? 'SET attempts = :attempts, lastError = :error, lastAttemptAt = :at, outboxStatus = :parked, GSI2PK = :parkedPk'
            : 'SET attempts = :attempts, lastError = :error, lastAttemptAt = :at',
          // The count the relay read: a second counter of the same failure (there is none under the lease) changes nothing.
          ConditionExpression: 'outboxStatus = :pending AND (attribute_not_exists(attempts) OR attempts = :previous)',
          ExpressionAttributeValues: {
            ':attempts': attempts,
            ':previous': previous,
            ':error': reason.slice(0, MAX_ERROR_LENGTH),
            ':at': at,
            ':pending': 'PENDING',
            ...(park
              ? { ':parked': 'PARKED', ':parkedPk': keys.outboxParked(record.createdAt, record.eventId).GSI2PK }
              : {}),
          },
        }),
      );
      return park ? 'parked' : 'pending';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'unchanged';
      throw error;
    }
  }

  async acquire(owner: string, untilMs: number, nowMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.outboxRelayLease(), type: 'LEASE', owner, leaseUntil: untilMs },
          ConditionExpression: 'attribute_not_exists(PK) OR leaseUntil < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': nowMs, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.outboxRelayLease(),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
