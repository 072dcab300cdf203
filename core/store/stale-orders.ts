/**
 * The reconciler's read: orders still in one status, created before a cutoff, oldest first — a Query of GSI2
 * (`STATUS#<status>`, sort key `<createdAt>#<orderId>`), never a Scan, so a pass costs what it finds, not the
 * table's size. Bounded by `limit` per pass; what is left is found by the next pass.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderStatus } from '../domain/order-status';
import type { StaleOrder, StaleOrderFinder } from '../orders/reconciler';
import { GSI2, keys } from './keys';
import { hydrate } from './hydrate';

export class DynamoStaleOrders implements StaleOrderFinder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findStale(status: OrderStatus, createdBefore: string, limit: number): Promise<StaleOrder[]> {
    const found: StaleOrder[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI2,
          KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
          ExpressionAttributeValues: { ':pk': keys.statusPartition(status), ':before': createdBefore },
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
