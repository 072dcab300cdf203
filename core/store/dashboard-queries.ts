/**
 * The reads behind the dashboard's live feed and operations chart (api/routes/stream.ts, api/routes/stats.ts),
 * over the access patterns of ./README.md:
 *  - events recorded after a time: Query GSI1 `GSI1PK=EVENTS`, `GSI1SK > <time>`, newest first;
 *  - orders in a status created in a time range: Query GSI2 `GSI2PK=<keys.statusPartition>`, `GSI2SK BETWEEN <from> AND <to>~`,
 *    filtered by status after reading (the saga's forward statuses share a partition).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { PlatformError } from '../errors';
import type { EventRecord } from '../events/ports';
import { toEventRecord, toOrder } from './items';
import { hydrate } from './hydrate';
import { EVENT_LOG, GSI1, GSI2, keys } from './keys';

type Item = Record<string, unknown>;

/** Too many orders in the asked window to answer without truncating: the caller asks for fewer minutes (422). */
export class DashboardQueryLimitError extends PlatformError {
  constructor(
    readonly status: string,
    readonly limit: number,
  ) {
    const message = `more than ${limit} ${status} orders in the range; narrow the window`;
    super(message, { code: 'WINDOW_TOO_LARGE', httpStatus: 422, publicMessage: `${message}: ask for fewer minutes` });
    this.name = 'DashboardQueryLimitError';
  }
}

export class DynamoDashboardQueries {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Events whose time is after `afterTime` (ISO), newest first, at most `limit`. */
  async eventsAfter(afterTime: string, limit: number): Promise<EventRecord[]> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK > :after',
        ExpressionAttributeValues: { ':pk': EVENT_LOG, ':after': afterTime },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (await hydrate(this.client, this.tableName, response.Items ?? [])).map(toEventRecord);
  }

  /**
   * The orders now in `status` that were created from `fromCreatedAt` to `toCreatedAt` (ISO, inclusive), oldest
   * first. Throws DashboardQueryLimitError past `limit` rather than answering a silently truncated list.
   */
  async ordersInStatusCreatedBetween(
    status: OrderStatus,
    fromCreatedAt: string,
    toCreatedAt: string,
    limit: number,
  ): Promise<Order[]> {
    const orders: Order[] = [];
    let start: Item | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI2,
          KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK BETWEEN :from AND :to',
          // `~` sorts after every character of an order id, so orders created at exactly `toCreatedAt` are included.
          ExpressionAttributeValues: {
            ':pk': keys.statusPartition(status),
            ':from': fromCreatedAt,
            ':to': `${toCreatedAt}~`,
          },
          ExclusiveStartKey: start,
        }),
      );
      // The partition may hold other statuses (keys.ts, IN_FLIGHT_STATUSES): counted after the filter.
      const found = (await hydrate(this.client, this.tableName, response.Items ?? []))
        .map(toOrder)
        .filter((order) => order.status === status);
      if (orders.length + found.length > limit) throw new DashboardQueryLimitError(status, limit);
      orders.push(...found);
      start = response.LastEvaluatedKey;
    } while (start !== undefined);
    return orders;
  }
}
