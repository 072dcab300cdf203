/**
 * The DynamoDB adapter of the InventoryPort. Stock is the `stock` number of the product item; an order's
 * reservation is the item `PK=ORDER#<orderId>`, `SK=RESERVATION` (see ./README.md).
 *
 * reserve: ONE TransactWriteItems of (0) Put reservation RESERVED, condition attribute_not_exists(PK), and (1..n)
 * `stock = stock - :q` per product, condition `stock >= :q`. Cancellation reasons tell a retry (0 failed) from
 * an out-of-stock product (i failed), so nothing is ever half reserved.
 * release: ONE TransactWriteItems of (0) reservation RESERVED -> RELEASED and (1..n) `stock = stock + :q`. When no
 * reservation exists a RELEASED tombstone is put instead, so a late reserve of the same order cannot take stock.
 *
 * A hot product (docs/decisions.md, "hot products"): in AWS, transactions that touch the same product item at the
 * same time cancel each other (TransactionConflict), so a flash sale turns into a storm of cancelled transactions.
 * Both operations retry a conflict with full-jitter backoff for a time budget, not a count; and before a reserve
 * rejoins the race it reads the stock (a plain consistent read, which no transaction cancels): once the product is
 * sold out the loser answers OUT_OF_STOCK without another transaction, after a RELEASED tombstone made sure that no
 * earlier attempt of the same order can still take stock.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  aggregateLines,
  InventoryError,
  InventoryReservationReleasedError,
  OutOfStockError,
} from '../inventory/inventory';
import type { InventoryPort, ReleaseOutcome, Reservation, ReserveOutcome, StockLine } from '../inventory/inventory';
import { keys } from './keys';

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

type Reason = { Code?: string };

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

  async reserve(orderId: string, lines: readonly StockLine[]): Promise<ReserveOutcome> {
    const stock = aggregateLines(lines);
    const at = this.now().toISOString();
    const input: TransactWriteCommandInput = {
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.reservation(orderId),
              type: 'RESERVATION',
              orderId,
              lines: stock,
              reservationStatus: 'RESERVED',
              reservedAt: at,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
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
      const existing = await this.getReservation(orderId);
      if (existing?.status === 'RESERVED') return 'already-reserved';
      // An earlier attempt answered OUT_OF_STOCK after a lost race: the same answer, not "released".
      if (existing?.outOfStock !== undefined) throw new OutOfStockError(existing.outOfStock);
      if (existing?.status === 'RELEASED') throw new InventoryReservationReleasedError(orderId);
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
      const existing = await this.getReservation(orderId);
      const at = this.now().toISOString();
      if (existing === undefined) {
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...keys.reservation(orderId),
                type: 'RESERVATION',
                orderId,
                lines: [],
                reservationStatus: 'RELEASED',
                releasedAt: at,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
          return 'nothing-reserved';
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException') continue;
          throw error;
        }
      }
      if (existing.status === 'RELEASED') return 'already-released';
      const reasons = await this.transact(
        {
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.reservation(orderId),
                UpdateExpression: 'SET reservationStatus = :released, releasedAt = :at',
                ConditionExpression: 'reservationStatus = :reserved',
                ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED', ':at': at },
              },
            },
            ...existing.lines.map((line) => ({
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
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.reservation(orderId), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return {
      orderId,
      lines: Item.lines as StockLine[],
      status: Item.reservationStatus as Reservation['status'],
      ...(Item.outOfStock === undefined ? {} : { outOfStock: Item.outOfStock as string[] }),
    };
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
   * OUT_OF_STOCK after a lost race, made final first: a RELEASED tombstone, put only if the order has no reservation,
   * cancels any earlier attempt of the same order still in flight (its Put requires no reservation). When that
   * attempt won after all, its answer stands.
   */
  private async outOfStockAfterRace(orderId: string, short: string[]): Promise<ReserveOutcome> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.reservation(orderId),
            type: 'RESERVATION',
            orderId,
            lines: [],
            reservationStatus: 'RELEASED',
            releasedAt: this.now().toISOString(),
            outOfStock: short,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const existing = await this.getReservation(orderId);
      if (existing?.status === 'RESERVED') return 'already-reserved';
      if (existing?.status === 'RELEASED' && existing.outOfStock === undefined)
        throw new InventoryReservationReleasedError(orderId);
    }
    throw new OutOfStockError(short);
  }
}
