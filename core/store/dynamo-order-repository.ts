/**
 * The DynamoDB adapter of the OrderRepository port: the order item with its timeline, and the writes that commit
 * with it in one transaction (the idempotency record on create, an outbox record on a status change). Maps
 * ConditionalCheckFailedException (alone or inside a cancelled transaction) to the domain's errors.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TimelineEntryInvalidError } from '../domain/order';
import type { Order, TimelineEntry } from '../domain/order';
import { isOrderStatus } from '../domain/order-status';
import type { OrderStatus } from '../domain/order-status';
import type { Page, PageRequest } from '../domain/page';
import type { IdempotencyHolder } from '../orders/errors';
import {
  IdempotencyKeyTakenError,
  OrderAlreadyExistsError,
  OrderNotFoundError,
  OrderTransitionRejectedError,
} from '../orders/errors';
import type { IdempotencyRecord, OrderRepository, OutboxRecord, TransitionRequest } from '../orders/ports';
import { conditionFailedAt, orderItem, OUTBOX_ITEM_TYPE, outboxItem, toOrder, toOutbox } from './items';
import type { Item } from './items';
import { GSI1, GSI2, keys, ORDER_ITEM_SK } from './keys';
import { orderTransitionUpdate } from './order-transition-update';
import { queryPage } from './paging';

/** Step keys are short names such as `RefundPayment` or `ChargePayment:failed`. */
const MAX_STEP_KEY = 200;

export class DynamoOrderRepository implements OrderRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getIdempotencyRecord(
    customerId: string,
    key: string,
    nowEpochSeconds: number,
  ): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(customerId, key), ConsistentRead: true }),
    );
    if (Item === undefined || (Item.expiresAt as number) < nowEpochSeconds) return undefined;
    return {
      customerId: Item.customerId as string,
      key: Item.idempotencyKey as string,
      requestHash: Item.requestHash as string,
      orderId: Item.orderId as string,
      createdAt: Item.createdAt as string,
      expiresAt: Item.expiresAt as number,
    };
  }

  /**
   * One TransactWriteItems: the idempotency record (its condition is the idempotency check), the order, and the
   * outbox record when one is given. On a taken key the cancellation carries the record that holds it
   * (ReturnValuesOnConditionCheckFailure), so the caller needs no read to tell a replay from a conflict.
   */
  async createOrder(order: Order, idempotency: IdempotencyRecord, outbox?: OutboxRecord): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.idempotency(idempotency.customerId, idempotency.key),
                  type: 'IDEMPOTENCY',
                  customerId: idempotency.customerId,
                  idempotencyKey: idempotency.key,
                  requestHash: idempotency.requestHash,
                  orderId: idempotency.orderId,
                  createdAt: idempotency.createdAt,
                  expiresAt: idempotency.expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
                ExpressionAttributeValues: { ':now': Math.floor(Date.parse(idempotency.createdAt) / 1000) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: orderItem(order),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...(outbox === undefined
              ? []
              : [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: outboxItem(outbox),
                      ConditionExpression: 'attribute_not_exists(PK)',
                    },
                  },
                ]),
          ],
        }),
      );
    } catch (error) {
      const failed = conditionFailedAt(error);
      if (failed.includes(0))
        throw new IdempotencyKeyTakenError(idempotency.key, { cause: error, holder: idempotencyHolder(error) });
      if (failed.length > 0) throw new OrderAlreadyExistsError(order.orderId, { cause: error });
      throw error;
    }
  }

  async getOrder(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.order(orderId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toOrder(Item);
  }

  /** The order and the events it wrote to the outbox, oldest first. */
  async getOrderWithEvents(orderId: string): Promise<{ order: Order; events: OutboxRecord[] } | undefined> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': keys.order(orderId).PK },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
    } while (startKey !== undefined);
    const orderItem = items.find((item) => item.SK === ORDER_ITEM_SK);
    if (orderItem === undefined) return undefined;
    return { order: toOrder(orderItem), events: items.filter((item) => item.type === OUTBOX_ITEM_TYPE).map(toOutbox) };
  }

  async listCustomerOrders(customerId: string, page: PageRequest = {}): Promise<Page<Order>> {
    return queryPage(
      this.client,
      this.tableName,
      {
        index: GSI1,
        partitionAttribute: 'GSI1PK',
        partition: keys.customerOrdersPartition(customerId),
        ascending: false,
        map: toOrder,
      },
      page,
    );
  }

  async listOrdersByStatus(status: OrderStatus, page: PageRequest = {}): Promise<Page<Order>> {
    return queryPage(
      this.client,
      this.tableName,
      {
        index: GSI2,
        partitionAttribute: 'GSI2PK',
        partition: keys.statusPartition(status),
        ascending: true,
        map: toOrder,
        // The partition may hold other statuses (keys.ts, IN_FLIGHT_STATUSES).
        filter: (item: Item) => item.status === status,
      },
      page,
    );
  }

  /**
   * The one way an order's status changes: a conditional write guarded by the statuses the transition table
   * allows `to` from, appending to the timeline: one UpdateItem that answers the order as written (ReturnValues),
   * no read before or after. A refused condition reads once, to say why. The update is `orderTransitionUpdate`'s,
   * which ReserveInventory's transaction sends too (core/store/dynamo-inventory-store.ts).
   */
  async transitionOrder(request: TransitionRequest): Promise<Order> {
    const parts = orderTransitionUpdate(request);
    if (parts === undefined) {
      // No status leads here (PENDING): nothing to write, only the reason to name.
      const found = await this.getOrder(request.orderId);
      if (found === undefined) throw new OrderNotFoundError(request.orderId);
      throw new OrderTransitionRejectedError(request.orderId, found.status, request.to);
    }
    const update = {
      TableName: this.tableName,
      Key: parts.key,
      UpdateExpression: `SET ${parts.sets.join(', ')}`,
      ConditionExpression: parts.condition,
      ExpressionAttributeNames: parts.names,
      ExpressionAttributeValues: parts.values,
    };
    try {
      const { Attributes } = await this.client.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
      return toOrder(Attributes as Item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && conditionFailedAt(error).length === 0) throw error;
      const found = await this.getOrder(request.orderId);
      if (found === undefined) throw new OrderNotFoundError(request.orderId);
      if (!isOrderStatus(found.status)) throw error;
      throw new OrderTransitionRejectedError(request.orderId, found.status, request.to, { cause: error });
    }
  }

  /**
   * Appends one entry to the timeline without touching the status, once per `stepKey`: the key joins the string set
   * `timelineStepKeys` in the same UpdateItem whose condition is that the set does not hold it yet, so a retried or
   * re-delivered step (or two racing copies) appends exactly once. A failed condition on an existing order means
   * "already recorded" and answers false.
   */
  async appendTimeline(orderId: string, entry: TimelineEntry, stepKey: string): Promise<boolean> {
    if (stepKey.trim().length === 0 || stepKey.length > MAX_STEP_KEY)
      throw new TimelineEntryInvalidError(
        `the step key must be 1 to ${MAX_STEP_KEY} characters, got ${JSON.stringify(stepKey.slice(0, 40))}`,
      );
    if (!isOrderStatus(entry.status) || Number.isNaN(Date.parse(entry.at)))
      throw new TimelineEntryInvalidError(
        `a timeline entry needs a known status and an ISO time, got ${JSON.stringify({ status: entry.status, at: entry.at })}`,
      );
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(orderId),
          UpdateExpression: 'SET timeline = list_append(timeline, :entry), updatedAt = :at ADD timelineStepKeys :keys',
          ConditionExpression: 'attribute_exists(PK) AND NOT contains(timelineStepKeys, :key)',
          ExpressionAttributeValues: {
            ':entry': [entry],
            ':at': entry.at,
            ':keys': new Set([stepKey]),
            ':key': stepKey,
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if ((await this.getOrder(orderId)) === undefined) throw new OrderNotFoundError(orderId);
      return false;
    }
  }
}

/**
 * The record holding the key, as the cancelled create returned it with its failed condition (item 0). The document
 * client leaves cancellation reasons in DynamoDB's attribute-value form; the three attributes needed are read from it.
 */
const idempotencyHolder = (error: unknown): IdempotencyHolder | undefined => {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const item = error.CancellationReasons?.[0]?.Item;
  const requestHash = item?.requestHash?.S;
  const orderId = item?.orderId?.S;
  const expiresAt = Number(item?.expiresAt?.N);
  if (requestHash === undefined || orderId === undefined || !Number.isFinite(expiresAt)) return undefined;
  return { requestHash, orderId, expiresAt };
};
