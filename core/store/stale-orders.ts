/**
 * The reconciler's read: orders still in one status, created before a cutoff (or after one: the local start-up's
 * re-announcement), oldest first — a Query of GSI2
 * (`keys.statusPartition`, sort key `<createdAt>#<orderId>`; the forward statuses share one partition, so the orders read
 * are kept only in the status asked), never a Scan, so a pass costs what it finds, not the
 * table's size. Bounded by `limit` per pass; what is left is found by the next pass.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderStatus } from '../domain/order-status';
import type { RecentOrderFinder, StaleOrder, StaleOrderFinder } from '../orders/reconciler';
import { GSI2, keys } from './keys';
import { hydrate } from './hydrate';

export class DynamoStaleOrders implements StaleOrderFinder, RecentOrderFinder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Oldest first. An in-flight status is also looked up under its own partition of before decision 54
   * (`keys.legacyStatusPartition`): an order indexed there keeps that key until it leaves the in-flight statuses, and
   * must still be found if it is stuck.
   */
  async findStale(status: OrderStatus, createdBefore: string, limit: number): Promise<StaleOrder[]> {
    const found = await this.find(keys.statusPartition(status), status, 'GSI2SK < :bound', createdBefore, limit, true);
    const legacy = keys.legacyStatusPartition(status);
    if (legacy === undefined || found.length >= limit) return found;
    const older = await this.find(legacy, status, 'GSI2SK < :bound', createdBefore, limit - found.length, true);
    return [...found, ...older].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** Newest first: a pass that runs out of its limit or its time leaves out the oldest. */
  findCreatedAfter(status: OrderStatus, createdAfter: string, limit: number): Promise<StaleOrder[]> {
    return this.find(keys.statusPartition(status), status, 'GSI2SK > :bound', createdAfter, limit, false);
  }

  private async find(
    partition: string,
    status: OrderStatus,
    range: string,
    bound: string,
    limit: number,
    oldestFirst: boolean,
  ): Promise<StaleOrder[]> {
    const found: StaleOrder[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI2,
          KeyConditionExpression: `GSI2PK = :pk AND ${range}`,
          ExpressionAttributeValues: { ':pk': partition, ':bound': bound },
          ScanIndexForward: oldestFirst,
          Limit: limit - found.length,
          ExclusiveStartKey: start,
        }),
      );
      // The index holds keys only: the orders are read after, and one that left the status meanwhile is not stale.
      const orders = await hydrate(this.client, this.tableName, response.Items ?? []);
      for (const item of orders.filter((order) => order.status === status)) {
        found.push({
          orderId: item.orderId as string,
          status: item.status as OrderStatus,
          createdAt: item.createdAt as string,
          updatedAt: item.updatedAt as string,
        });
      }
      start = response.LastEvaluatedKey;
    } while (start !== undefined && found.length < limit);
    return found;
  }
}
