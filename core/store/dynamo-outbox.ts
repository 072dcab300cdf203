/**
 * The DynamoDB adapter of the OrderOutbox port: the relay's side of the outbox. Records are written by the order
 * repository in the transaction of the change they announce (./dynamo-order-repository.ts); pending ones sit on
 * GSI2 under one partition until they are marked sent, which takes them off the index.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderNotFoundError } from '../orders/errors';
import type { OrderOutbox, OutboxRecord } from '../orders/ports';
import { toOutbox } from './items';
import { GSI2, keys, OUTBOX_PENDING } from './keys';

export class DynamoOutbox implements OrderOutbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listPendingOutbox(createdBefore: string, limit: number): Promise<OutboxRecord[]> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI2,
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
        ExpressionAttributeValues: { ':pk': OUTBOX_PENDING, ':before': createdBefore },
        Limit: limit,
      }),
    );
    return (response.Items ?? []).map(toOutbox);
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
}
