/**
 * Saga-start claims: one item per execution name an order's saga was started under (`PK=ORDER#<id>`,
 * `SK=SAGA_START#<name>`), written conditionally before StartExecution. Express workflows do not deduplicate
 * execution names ("Starting multiple workflows with the same name results in concurrent executions", AWS's
 * execution guarantees), so the table does, for both workflow types. A claim expires through TTL after 90 days, the
 * time Standard keeps an execution name.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';

const CLAIM_TTL_SECONDS = 90 * 24 * 60 * 60;

export interface SagaStartClaim {
  readonly executionName: string;
  readonly claimedAt: string;
}

/** The port the claimed saga runner uses (core/adapters/claimed-saga-runner.ts). */
export interface SagaStartClaims {
  /** Claims the name for the order; false when it was claimed before (by anyone, at any time). */
  claim(orderId: string, executionName: string, at: string): Promise<boolean>;
  /** Gives a claim back when its StartExecution failed, so a retry of the message can claim it again. */
  release(orderId: string, executionName: string, at: string): Promise<void>;
  find(orderId: string, executionName: string): Promise<SagaStartClaim | undefined>;
}

export class DynamoSagaStartClaims implements SagaStartClaims {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(orderId: string, executionName: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.sagaStart(orderId, executionName),
            type: 'SAGA_START',
            orderId,
            executionName,
            claimedAt: at,
            expiresAt: Math.floor(Date.parse(at) / 1000) + CLAIM_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async release(orderId: string, executionName: string, at: string): Promise<void> {
    try {
      // Only the claim this caller made (same claimedAt): a later claimant's item is not ours to delete.
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.sagaStart(orderId, executionName),
          ConditionExpression: 'claimedAt = :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async find(orderId: string, executionName: string): Promise<SagaStartClaim | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.sagaStart(orderId, executionName), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return { executionName: Item.executionName as string, claimedAt: Item.claimedAt as string };
  }
}
