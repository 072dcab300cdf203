/**
 * The DynamoDB adapter of the InventoryPort. Stock is the `stock` number of the product item; an order's reservation
 * is the map attribute `reservation` of its order item (`PK=ORDER#<orderId>`, `SK=ORDER`): `{ status: RESERVED |
 * RELEASED, lines, reservedAt | releasedAt, outOfStock? }` (see ./README.md). It never leaves the store: the order's
 * mapping (items.ts, toOrder) does not read it.
 *
 * reserve: ONE TransactWriteItems of (0) the order item: `SET reservation = RESERVED`, condition
 * `attribute_not_exists(reservation)`, and, when the saga hands its status change (ReserveInventory's VALIDATED ->
 * INVENTORY_RESERVED), that change as the order repository builds it (order-transition-update.ts: status, timeline
 * entry, index attributes, condition on the current status) in the same update; (1..n) `stock = stock - :q` per
 * product, condition `stock >= :q`. Cancellation reasons tell a repeat, a release or a moved status (0 failed: the
 * order item as it was comes back with the reason, ReturnValuesOnConditionCheckFailure) from an out-of-stock product
 * (i failed), so nothing is ever half reserved, and the order is INVENTORY_RESERVED exactly when its stock is held.
 * release: ONE TransactWriteItems of (0) reservation RESERVED -> RELEASED on the order item and (1..n)
 * `stock = stock + :q`. When no reservation exists a RELEASED tombstone is set instead, so a late reserve of the same
 * order cannot take stock. An order reserved before the reservation moved onto the order item still has its old item
 * (`keys.reservation`): release reads it when the order item holds none, and releases it the same way.
 *
 * A hot product (docs/decisions.md, "hot products"): in AWS, transactions that touch the same product item at the
 * same time cancel each other (TransactionConflict), so a flash sale turns into a storm of cancelled transactions.
 * Both operations retry a conflict with full-jitter backoff for a time budget, not a count; and before a reserve
 * rejoins the race it reads the stock (a plain consistent read, which no transaction cancels): once the product is
 * sold out the loser answers OUT_OF_STOCK without another transaction, after a RELEASED tombstone made sure that no
 * earlier attempt of the same order can still take stock.
 *
 * The writes need no order item to exist (an UpdateItem creates what it sets): the saga reserves and releases orders
 * it has read, and the store's tests and `npm run bench:hot` reserve for bare ids. With a transition the order must
 * exist (its status condition).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isOrderStatus } from '../domain/order-status';
import {
  aggregateLines,
  InventoryError,
  InventoryReservationReleasedError,
  OutOfStockError,
} from '../inventory/inventory';
import type {
  InventoryPort,
  ReleaseOutcome,
  Reservation,
  ReserveOutcome,
  ReservingTransition,
  StockLine,
} from '../inventory/inventory';
import { OrderNotFoundError, OrderTransitionRejectedError } from '../orders/errors';
import type { Item } from './items';
import { keys } from './keys';
import { orderTransitionUpdate } from './order-transition-update';

/** Transactions kept losing races on the same items for the whole contention budget; the saga retries it by name (lambdas/shared/transient.ts). */
export class InventoryContentionError extends InventoryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'INVENTORY_CONTENTION', cause: options?.cause });
    this.name = 'InventoryContentionError';
  }
}

export interface DynamoInventoryOptions {
  /**
   * How long one reserve or release keeps retrying transactions cancelled by TransactionConflict; default 6000 ms,
   * inside the saga functions' 10 s timeout with room for the step's other writes.
   */
  readonly contentionBudgetMs?: number;
  /** The largest backoff between two attempts (full jitter under `min(cap, 20 ms * 2^attempt)`); default 250 ms. */
  readonly maxBackoffMs?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A cancellation reason; `Item` is the item as it was, in attribute-value form, where the write asked for it. */
type Reason = { Code?: string; Item?: Record<string, AttributeValue> };

const reasonsOf = (error: unknown): Reason[] | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : undefined;

/** Why `transact` stopped: committed, cancelled by a condition (with the reasons), or still losing races. */
type TransactOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'cancelled'; readonly reasons: Reason[] }
  | { readonly kind: 'conflict'; readonly error: unknown };

const isConflictOnly = (reasons: Reason[]): boolean =>
  reasons.some((reason) => reason.Code === 'TransactionConflict') &&
  reasons.every(
    (reason) => reason.Code === undefined || reason.Code === 'None' || reason.Code === 'TransactionConflict',
  );

/** The attribute of the order item that holds its reservation, and the names its expressions use. */
const RESERVATION = 'reservation';
const NAMES = { '#reservation': RESERVATION, '#status': 'status' } as const;

/** The reservation an order item holds, if any. */
const reservationOf = (orderId: string, item: Item | undefined): Reservation | undefined => {
  const stored = item?.[RESERVATION] as Item | undefined;
  if (stored === undefined) return undefined;
  return {
    orderId,
    lines: stored.lines as StockLine[],
    status: stored.status as Reservation['status'],
    ...(stored.outOfStock === undefined ? {} : { outOfStock: stored.outOfStock as string[] }),
  };
};

const isConditionFailure = (error: unknown): boolean =>
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

export class DynamoInventoryStore implements InventoryPort {
  private readonly contentionBudgetMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoInventoryOptions = {},
  ) {
    this.contentionBudgetMs = options.contentionBudgetMs ?? 6000;
    this.maxBackoffMs = options.maxBackoffMs ?? 250;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async reserve(
    orderId: string,
    lines: readonly StockLine[],
    transition?: ReservingTransition,
  ): Promise<ReserveOutcome> {
    const stock = aggregateLines(lines);
    const change = transition === undefined ? undefined : orderTransitionUpdate({ ...transition, orderId });
    if (transition !== undefined && change === undefined) {
      // No status leads to the target (PENDING): nothing to write, only the reason to name.
      throw this.rejected(orderId, transition, await this.readOrderItem(orderId));
    }
    const at = transition?.at ?? this.now().toISOString();
    const input: TransactWriteCommandInput = {
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.order(orderId),
            UpdateExpression: `SET ${[...(change?.sets ?? []), '#reservation = :reservation'].join(', ')}`,
            ConditionExpression: [change?.condition, 'attribute_not_exists(#reservation)']
              .filter((part) => part !== undefined)
              .join(' AND '),
            ExpressionAttributeNames: { ...change?.names, '#reservation': RESERVATION },
            ExpressionAttributeValues: {
              ...change?.values,
              ':reservation': { status: 'RESERVED', lines: stock, reservedAt: at },
            },
            // A refused order item comes back with the reason: a repeat, a release and a moved status need no read.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        ...stock.map((line) => ({
          Update: {
            TableName: this.tableName,
            Key: keys.product(line.productId),
            UpdateExpression: 'SET stock = stock - :q, updatedAt = :at',
            ConditionExpression: 'attribute_exists(PK) AND stock >= :q',
            ExpressionAttributeValues: { ':q': line.quantity, ':at': at },
          },
        })),
      ],
    };
    const started = Date.now();
    let reasons: Reason[] | undefined;
    for (let attempt = 0; reasons === undefined; attempt += 1) {
      const outcome = await this.transactOnce(input);
      if (outcome.kind === 'committed') return 'reserved';
      if (outcome.kind === 'cancelled') {
        reasons = outcome.reasons;
        break;
      }
      await this.backOff(attempt, started, `reserve order ${orderId}`, outcome.error);
      // Sold out while we waited: answer without joining the race again.
      const short = await this.shortProducts(stock);
      if (short.length > 0) return this.outOfStockAfterRace(orderId, short);
    }
    if (reasons[0]?.Code === 'ConditionalCheckFailed') {
      const order =
        reasons[0].Item === undefined ? await this.readOrderItem(orderId) : (unmarshall(reasons[0].Item) as Item);
      const existing = reservationOf(orderId, order);
      if (existing?.status === 'RESERVED') return 'already-reserved';
      // An earlier attempt answered OUT_OF_STOCK after a lost race: the same answer, not "released".
      if (existing?.outOfStock !== undefined) throw new OutOfStockError(existing.outOfStock);
      if (existing?.status === 'RELEASED') throw new InventoryReservationReleasedError(orderId);
      // No reservation: the status change was refused (the order moved on, or is not there), and nothing was taken.
      if (transition !== undefined) throw this.rejected(orderId, transition, order);
    }
    const short = stock
      .filter((_, index) => reasons[index + 1]?.Code === 'ConditionalCheckFailed')
      .map((line) => line.productId);
    if (short.length > 0) throw new OutOfStockError(short);
    throw new InventoryContentionError(
      `reserve order ${orderId} was cancelled: ${reasons.map((reason) => reason.Code ?? 'None').join(', ')}`,
    );
  }

  async release(orderId: string): Promise<ReleaseOutcome> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const held = await this.heldReservation(orderId);
      const at = this.now().toISOString();
      if (held === undefined) {
        try {
          await this.putTombstone(orderId, { status: 'RELEASED', lines: [], releasedAt: at });
          return 'nothing-reserved';
        } catch (error) {
          if (isConditionFailure(error)) continue;
          throw error;
        }
      }
      if (held.reservation.status === 'RELEASED') return 'already-released';
      const flip = held.legacy
        ? {
            Key: keys.reservation(orderId),
            UpdateExpression: 'SET reservationStatus = :released, releasedAt = :at',
            ConditionExpression: 'reservationStatus = :reserved',
          }
        : {
            Key: keys.order(orderId),
            UpdateExpression: 'SET #reservation.#status = :released, #reservation.releasedAt = :at',
            ConditionExpression: '#reservation.#status = :reserved',
            ExpressionAttributeNames: NAMES,
          };
      const reasons = await this.transact(
        {
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                ...flip,
                ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED', ':at': at },
              },
            },
            ...held.reservation.lines.map((line) => ({
              Update: {
                TableName: this.tableName,
                Key: keys.product(line.productId),
                UpdateExpression: 'SET stock = stock + :q, updatedAt = :at',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':q': line.quantity, ':at': at },
              },
            })),
          ],
        },
        `release order ${orderId}`,
      );
      if (reasons === undefined) return 'released';
      if (reasons[0]?.Code !== 'ConditionalCheckFailed') {
        throw new InventoryContentionError(
          `release order ${orderId} was cancelled: ${reasons.map((reason) => reason.Code ?? 'None').join(', ')}`,
        );
      }
    }
    throw new InventoryContentionError(`release order ${orderId} kept racing with another writer of its reservation`);
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    return (await this.heldReservation(orderId))?.reservation;
  }

  async getStock(productId: string): Promise<number | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.product(productId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (Item.stock as number);
  }

  /** Runs the transaction; undefined when it committed, the cancellation reasons when a condition failed. */
  private async transact(input: TransactWriteCommandInput, what: string): Promise<Reason[] | undefined> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.transactOnce(input);
      if (outcome.kind === 'committed') return undefined;
      if (outcome.kind === 'cancelled') return outcome.reasons;
      await this.backOff(attempt, started, what, outcome.error);
    }
  }

  private async transactOnce(input: TransactWriteCommandInput): Promise<TransactOutcome> {
    try {
      await this.client.send(new TransactWriteCommand(input));
      return { kind: 'committed' };
    } catch (error) {
      const reasons = reasonsOf(error);
      if (reasons === undefined) throw error;
      return isConflictOnly(reasons) ? { kind: 'conflict', error } : { kind: 'cancelled', reasons };
    }
  }

  /** Waits before the next attempt, or gives up once the contention budget is spent. */
  private async backOff(attempt: number, started: number, what: string, cause: unknown): Promise<void> {
    const elapsed = Date.now() - started;
    if (elapsed >= this.contentionBudgetMs)
      throw new InventoryContentionError(
        `${what} lost ${attempt + 1} transaction conflicts in ${elapsed} ms (budget ${this.contentionBudgetMs} ms)`,
        { cause },
      );
    await this.sleep(Math.random() * Math.min(this.maxBackoffMs, 20 * 2 ** attempt));
  }

  /** The products whose committed stock is below the quantity asked for (consistent reads, which no transaction cancels). */
  private async shortProducts(lines: readonly StockLine[]): Promise<string[]> {
    const short: string[] = [];
    for (const line of lines) {
      const available = await this.getStock(line.productId);
      if (available !== undefined && available < line.quantity) short.push(line.productId);
    }
    return short;
  }

  /**
   * OUT_OF_STOCK after a lost race, made final first: a RELEASED tombstone, set only if the order has no reservation,
   * cancels any earlier attempt of the same order still in flight (its transaction requires no reservation). When that
   * attempt won after all, its answer stands.
   */
  private async outOfStockAfterRace(orderId: string, short: string[]): Promise<ReserveOutcome> {
    try {
      await this.putTombstone(orderId, {
        status: 'RELEASED',
        lines: [],
        releasedAt: this.now().toISOString(),
        outOfStock: short,
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getReservation(orderId);
      if (existing?.status === 'RESERVED') return 'already-reserved';
      if (existing?.status === 'RELEASED' && existing.outOfStock === undefined)
        throw new InventoryReservationReleasedError(orderId);
    }
    throw new OutOfStockError(short);
  }

  /**
   * The order's reservation: on the order item, or, for an order reserved before the reservation moved there, its old
   * item (`keys.reservation`), read only when the order item holds none. Transitional: once no order reserved under
   * the old layout can still be released (every saga started before the change has ended), the second read can go.
   */
  private async heldReservation(
    orderId: string,
  ): Promise<{ readonly reservation: Reservation; readonly legacy: boolean } | undefined> {
    const current = reservationOf(orderId, await this.readOrderItem(orderId, [RESERVATION]));
    if (current !== undefined) return { reservation: current, legacy: false };
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.reservation(orderId), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return {
      legacy: true,
      reservation: {
        orderId,
        lines: Item.lines as StockLine[],
        status: Item.reservationStatus as Reservation['status'],
        ...(Item.outOfStock === undefined ? {} : { outOfStock: Item.outOfStock as string[] }),
      },
    };
  }

  /** Sets a RELEASED reservation on the order item, only if it holds none (ConditionalCheckFailedException otherwise). */
  private async putTombstone(orderId: string, tombstone: Item): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET #reservation = :tombstone',
        ConditionExpression: 'attribute_not_exists(#reservation)',
        ExpressionAttributeNames: { '#reservation': RESERVATION },
        ExpressionAttributeValues: { ':tombstone': tombstone },
      }),
    );
  }

  /** The order item (consistent), or only the attributes named; undefined when there is none. */
  private async readOrderItem(orderId: string, attributes?: readonly string[]): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        ConsistentRead: true,
        ...(attributes === undefined
          ? {}
          : {
              ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
            }),
      }),
    );
    return Item;
  }

  /** The status change refused, as the order repository names it (the order as found, or none). */
  private rejected(orderId: string, transition: ReservingTransition, order: Item | undefined): Error {
    if (order === undefined || !isOrderStatus(order.status)) return new OrderNotFoundError(orderId);
    return new OrderTransitionRejectedError(orderId, order.status, transition.to);
  }
}
