/**
 * The DynamoDB adapter of the OrderStore port, plus products, the events log and webhook keys.
 * Maps ConditionalCheckFailedException (alone or inside a cancelled transaction) to domain errors.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TimelineEntryInvalidError } from '../domain/order';
import type { Order, TimelineEntry } from '../domain/order';
import { allowedPreviousStatuses, isOrderStatus } from '../domain/order-status';
import type { OrderStatus } from '../domain/order-status';
import type { Product } from '../domain/product';
import { deduplicationId, orderEvent } from '../events/order-events';
import type { EventBridgeEnvelope } from '../events/order-events';
import { IdempotencyKeyTakenError, OrderAlreadyExistsError, OrderNotFoundError, OrderTransitionRejectedError, PaginationCursorInvalidError } from '../orders/errors';
import type { IdempotencyRecord, OrderStore, OutboxRecord, Page, PageRequest, TransitionRequest } from '../orders/ports';
import { CATALOG, EVENT_LOG, GSI1, GSI2, keys, OUTBOX_PENDING } from './keys';

/** An event as recorded for GET /api/events. */
export interface EventRecord {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
  readonly receivedAt: string;
}

const DEFAULT_PAGE = 20;
/** Step keys are short names such as `RefundPayment` or `ChargePayment:failed`. */
const MAX_STEP_KEY = 200;
const EVENT_LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

type Item = Record<string, unknown>;

const encodeCursor = (key: Item | undefined): string | undefined => (key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url'));

/** Decodes a cursor and checks it belongs to the queried index partition, so a cursor cannot reach other data. */
const decodeCursor = (cursor: string | undefined, partitionAttribute: string, partition: string): Item | undefined => {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new PaginationCursorInvalidError('the cursor is not one this API issued', { cause });
  }
  const valid =
    typeof decoded === 'object' &&
    decoded !== null &&
    !Array.isArray(decoded) &&
    Object.values(decoded).every((value) => typeof value === 'string' && value.length > 0 && value.length < 1024) &&
    (decoded as Item)[partitionAttribute] === partition &&
    Object.keys(decoded).length === 4;
  if (!valid) throw new PaginationCursorInvalidError('the cursor is not one this API issued');
  return decoded as Item;
};

/** An order item as the domain's Order (also read by core/store/dashboard-queries.ts). */
export const toOrder = (item: Item): Order => ({
  orderId: item.orderId as string,
  customerId: item.customerId as string,
  lines: item.lines as Order['lines'],
  total: item.total as Order['total'],
  status: item.status as OrderStatus,
  ...(item.failureReason === undefined ? {} : { failureReason: item.failureReason as Order['failureReason'] }),
  timeline: item.timeline as Order['timeline'],
  paymentToken: item.paymentToken as string,
  ...(item.paymentTransactionId === undefined ? {} : { paymentTransactionId: item.paymentTransactionId as string }),
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

const toProduct = (item: Item): Product => ({
  productId: item.productId as string,
  name: item.name as string,
  price: item.price as Product['price'],
  stock: item.stock as number,
  updatedAt: item.updatedAt as string,
});

const toOutbox = (item: Item): OutboxRecord => ({
  orderId: item.orderId as string,
  eventId: item.eventId as string,
  event: item.event as OutboxRecord['event'],
  status: item.outboxStatus as OutboxRecord['status'],
  createdAt: item.createdAt as string,
  ...(item.sentAt === undefined ? {} : { sentAt: item.sentAt as string }),
});

/** An events-log item as GET /api/events answers it (also read by core/store/dashboard-queries.ts). */
export const toEventRecord = (item: Item): EventRecord => ({
  eventId: item.eventId as string,
  source: item.source as string,
  detailType: item.detailType as string,
  time: item.time as string,
  detail: item.detail as Record<string, unknown>,
  receivedAt: item.receivedAt as string,
});

const outboxItem = (record: OutboxRecord): Item => ({
  ...keys.outbox(record.orderId, record.eventId),
  ...keys.outboxPending(record.createdAt, record.eventId),
  type: 'OUTBOX',
  orderId: record.orderId,
  eventId: record.eventId,
  event: record.event,
  outboxStatus: 'PENDING',
  createdAt: record.createdAt,
});

const conditionFailedAt = (error: unknown): number[] =>
  error instanceof TransactionCanceledException
    ? (error.CancellationReasons ?? []).flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []))
    : [];

export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putProduct(product: Product): Promise<Product> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.product(product.productId), ...keys.productInCatalog(product.productId), type: 'PRODUCT', ...product },
      }),
    );
    return product;
  }

  async getProduct(productId: string): Promise<Product | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.product(productId) }));
    return Item === undefined ? undefined : toProduct(Item);
  }

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    const unique = [...new Set(productIds)];
    const found = new Map<string, Product>();
    for (let start = 0; start < unique.length; start += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.tableName]: { Keys: unique.slice(start, start + 100).map((id) => keys.product(id)) },
      };
      for (let attempt = 0; request !== undefined && attempt < 10; attempt += 1) {
        const response: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of response.Responses?.[this.tableName] ?? []) found.set(item.productId as string, toProduct(item));
        const unprocessed: { Keys?: Item[] } | undefined = response.UnprocessedKeys?.[this.tableName];
        request = unprocessed?.Keys && unprocessed.Keys.length > 0 ? { [this.tableName]: { Keys: unprocessed.Keys } } : undefined;
      }
    }
    return found;
  }

  async listProducts(page: PageRequest = {}): Promise<Page<Product>> {
    return this.queryPage(GSI1, 'GSI1PK', CATALOG, page, true, toProduct);
  }

  async getIdempotencyRecord(customerId: string, key: string, nowEpochSeconds: number): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.idempotency(customerId, key), ConsistentRead: true }));
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

  async createOrder(order: Order, idempotency: IdempotencyRecord, outbox: OutboxRecord): Promise<void> {
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
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: this.orderItem(order),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Put: { TableName: this.tableName, Item: outboxItem(outbox), ConditionExpression: 'attribute_not_exists(PK)' } },
          ],
        }),
      );
    } catch (error) {
      const failed = conditionFailedAt(error);
      if (failed.includes(0)) throw new IdempotencyKeyTakenError(idempotency.key, { cause: error });
      if (failed.length > 0) throw new OrderAlreadyExistsError(order.orderId, { cause: error });
      throw error;
    }
  }

  async getOrder(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.order(orderId), ConsistentRead: true }));
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
    const orderItem = items.find((item) => item.SK === 'ORDER');
    if (orderItem === undefined) return undefined;
    return { order: toOrder(orderItem), events: items.filter((item) => item.type === 'OUTBOX').map(toOutbox) };
  }

  async listCustomerOrders(customerId: string, page: PageRequest = {}): Promise<Page<Order>> {
    return this.queryPage(GSI1, 'GSI1PK', keys.customerOrdersPartition(customerId), page, false, toOrder);
  }

  async listOrdersByStatus(status: OrderStatus, page: PageRequest = {}): Promise<Page<Order>> {
    return this.queryPage(GSI2, 'GSI2PK', keys.statusPartition(status), page, true, toOrder);
  }

  /**
   * The one way an order's status changes: a conditional write guarded by the statuses the transition table
   * allows `to` from, appending to the timeline.
   */
  async transitionOrder(request: TransitionRequest): Promise<Order> {
    const previous = allowedPreviousStatuses(request.to);
    const current = await this.getOrder(request.orderId);
    if (current === undefined) throw new OrderNotFoundError(request.orderId);
    if (!previous.includes(current.status)) throw new OrderTransitionRejectedError(request.orderId, current.status, request.to);
    const entry: TimelineEntry = {
      status: request.to,
      at: request.at,
      ...(request.step === undefined ? {} : { step: request.step }),
      ...(request.outcome === undefined ? {} : { outcome: request.outcome }),
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      ...(request.note === undefined ? {} : { note: request.note }),
    };
    const values: Item = {
      ':to': request.to,
      ':at': request.at,
      ':entry': [entry],
      ':gsi2pk': keys.statusPartition(request.to),
      ':gsi2sk': keys.orderByStatus(request.to, current.createdAt, current.orderId).GSI2SK,
    };
    previous.forEach((status, index) => {
      values[`:p${index}`] = status;
    });
    const sets = ['#status = :to', 'updatedAt = :at', 'timeline = list_append(timeline, :entry)', 'GSI2PK = :gsi2pk', 'GSI2SK = :gsi2sk'];
    if (request.reason !== undefined) {
      values[':reason'] = request.reason;
      sets.push('failureReason = if_not_exists(failureReason, :reason)');
    }
    const update = {
      TableName: this.tableName,
      Key: keys.order(request.orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: `attribute_exists(PK) AND #status IN (${previous.map((_, index) => `:p${index}`).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    };
    try {
      if (request.outboxEventId === undefined) {
        const { Attributes } = await this.client.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
        return toOrder(Attributes as Item);
      }
      const after: Order = {
        ...current,
        status: request.to,
        updatedAt: request.at,
        timeline: [...current.timeline, entry],
        ...(current.failureReason === undefined && request.reason !== undefined ? { failureReason: request.reason } : {}),
      };
      const outbox: OutboxRecord = { orderId: request.orderId, eventId: request.outboxEventId, event: orderEvent(after, request.outboxEventId, request.at), status: 'PENDING', createdAt: request.at };
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, { Put: { TableName: this.tableName, Item: outboxItem(outbox), ConditionExpression: 'attribute_not_exists(PK)' } }],
        }),
      );
      return (await this.getOrder(request.orderId)) ?? after;
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
    if (stepKey.trim().length === 0 || stepKey.length > MAX_STEP_KEY) throw new TimelineEntryInvalidError(`the step key must be 1 to ${MAX_STEP_KEY} characters, got ${JSON.stringify(stepKey.slice(0, 40))}`);
    if (!isOrderStatus(entry.status) || Number.isNaN(Date.parse(entry.at))) throw new TimelineEntryInvalidError(`a timeline entry needs a known status and an ISO time, got ${JSON.stringify({ status: entry.status, at: entry.at })}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(orderId),
          UpdateExpression: 'SET timeline = list_append(timeline, :entry), updatedAt = :at ADD timelineStepKeys :keys',
          ConditionExpression: 'attribute_exists(PK) AND NOT contains(timelineStepKeys, :key)',
          ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at, ':keys': new Set([stepKey]), ':key': stepKey },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if ((await this.getOrder(orderId)) === undefined) throw new OrderNotFoundError(orderId);
      return false;
    }
  }

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

  /** Records one event from the bus; false when it was recorded already (redelivery or republish). */
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
    return this.queryPage(GSI1, 'GSI1PK', EVENT_LOG, page, false, toEventRecord);
  }

  private orderItem(order: Order): Item {
    return {
      ...keys.order(order.orderId),
      ...keys.orderByCustomer(order.customerId, order.orderId),
      ...keys.orderByStatus(order.status, order.createdAt, order.orderId),
      type: 'ORDER',
      ...order,
    };
  }

  private async queryPage<T>(index: string, partitionAttribute: string, partition: string, page: PageRequest, ascending: boolean, map: (item: Item) => T): Promise<Page<T>> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${partitionAttribute} = :pk`,
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: ascending,
        Limit: page.limit ?? DEFAULT_PAGE,
        ExclusiveStartKey: decodeCursor(page.cursor, partitionAttribute, partition),
      }),
    );
    const nextCursor = encodeCursor(response.LastEvaluatedKey);
    return { items: (response.Items ?? []).map(map), ...(nextCursor === undefined ? {} : { nextCursor }) };
  }
}
