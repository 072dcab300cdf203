/**
 * The DynamoDB adapter of PartnerMessageLedger (core/partners/ingest.ts): one item per (partner, webhook-id) in the
 * single table. A claim is a conditional put — it succeeds when no item exists, or when an earlier claim's lease ran
 * out without a publish — so two concurrent deliveries of one message cannot both publish; marking it published is
 * one update. Two writes per accepted partner message; a replay costs one failed conditional write and no publish.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MessageClaim, PartnerMessageLedger } from '../partners/ingest';
import { keys, TTL_ATTRIBUTE } from './keys';

const CLAIMED = 'CLAIMED';
const PUBLISHED = 'PUBLISHED';

export class DynamoPartnerMessages implements PartnerMessageLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    partnerId: string,
    webhookId: string,
    times: { readonly now: number; readonly leaseUntil: number; readonly expiresAt: number },
  ): Promise<MessageClaim> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.partnerMessage(partnerId, webhookId),
            messageState: CLAIMED,
            leaseUntil: times.leaseUntil,
            [TTL_ATTRIBUTE]: times.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR (messageState = :claimed AND leaseUntil < :now)',
          ExpressionAttributeValues: { ':claimed': CLAIMED, ':now': times.now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The item that refused the claim says why (DynamoDB returns it with the failure, at no extra read).
      return error.Item?.messageState?.S === PUBLISHED ? 'published' : 'in-progress';
    }
  }

  async markPublished(partnerId: string, webhookId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.partnerMessage(partnerId, webhookId),
        UpdateExpression: 'SET messageState = :published REMOVE leaseUntil',
        ExpressionAttributeValues: { ':published': PUBLISHED },
      }),
    );
  }

  async release(partnerId: string, webhookId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.partnerMessage(partnerId, webhookId),
        ConditionExpression: 'messageState = :claimed',
        ExpressionAttributeValues: { ':claimed': CLAIMED },
      }),
    );
  }
}
