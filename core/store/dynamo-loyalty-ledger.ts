/**
 * The loyalty ledger on the single table (core/loyalty/points.ts): one item per (customer, order),
 * `PK=CUSTOMER#<customerId>`, `SK=LOYALTY#<orderId>`, in the customer's partition beside their webhooks. No idempotency
 * record: the entry is the record, and each event costs at most one conditional write:
 *  - award: Put with `attribute_not_exists(PK)`, so an order earns once, whichever of its events comes twice;
 *  - revoke: a strongly consistent read of the entry's state, then, only when it is AWARDED, an Update to REVOKED
 *    with `#state = AWARDED`, so points are taken back once and only if they were given. Most failed orders earned
 *    nothing (they failed before confirmation): for them the read (1 read unit) is all, where a refused write would
 *    cost a write unit, about five times the price, and show as a fault in the order's trace (the X-Ray SDK flags
 *    every SDK error as a fault, a refused condition included).
 * A customer's account is one Query of the `LOYALTY#` entries, newest order first (order ids are ULIDs), summed.
 * Entries do not expire: a replay of the archive, however old, must find what it already did.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Money } from '../domain/money';
import type {
  Award,
  AwardOutcome,
  LoyaltyAccount,
  LoyaltyAccounts,
  LoyaltyEntry,
  LoyaltyLedger,
  Revocation,
  RevokeOutcome,
} from '../loyalty/points';
import { keys } from './keys';

/** Entries an account answers by default. */
export const RECENT_LOYALTY_ENTRIES = 20;

type Item = Record<string, unknown>;

const toEntry = (item: Item): LoyaltyEntry => ({
  orderId: item.orderId as string,
  points: item.points as number,
  awardedPoints: item.awardedPoints as number,
  total: item.total as Money,
  state: item.state as LoyaltyEntry['state'],
  awardedAt: item.awardedAt as string,
  ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
});

export class DynamoLoyaltyLedger implements LoyaltyLedger, LoyaltyAccounts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async award(award: Award): Promise<AwardOutcome> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.loyaltyEntry(award.customerId, award.orderId),
            type: 'LOYALTY',
            customerId: award.customerId,
            orderId: award.orderId,
            state: 'AWARDED',
            points: award.points,
            awardedPoints: award.points,
            total: award.total,
            awardedAt: award.at,
            awardEventId: award.eventId,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'awarded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'already-awarded';
      throw error;
    }
  }

  async revoke(revocation: Revocation): Promise<RevokeOutcome> {
    const key = keys.loyaltyEntry(revocation.customerId, revocation.orderId);
    const found = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { '#state': 'state' },
        ConsistentRead: true,
      }),
    );
    if (found.Item === undefined) return 'nothing-awarded';
    if (found.Item.state !== 'AWARDED') return 'already-revoked';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #state = :revoked, points = :none, revokedAt = :at, revokeEventId = :eventId',
          ConditionExpression: '#state = :awarded',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':revoked': 'REVOKED',
            ':awarded': 'AWARDED',
            ':none': 0,
            ':at': revocation.at,
            ':eventId': revocation.eventId,
          },
        }),
      );
      return 'revoked';
    } catch (error) {
      // Another delivery of the same event revoked it between the read and the write.
      if (error instanceof ConditionalCheckFailedException) return 'already-revoked';
      throw error;
    }
  }

  async account(customerId: string, options: { readonly recent?: number } = {}): Promise<LoyaltyAccount> {
    const recent = options.recent ?? RECENT_LOYALTY_ENTRIES;
    const { PK, SKPrefix } = keys.loyaltyOfCustomer(customerId);
    let points = 0;
    const entries: LoyaltyEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        points += item.points as number;
        if (entries.length < recent) entries.push(toEntry(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return { customerId, points, entries };
  }
}
