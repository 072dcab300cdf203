/**
 * The DynamoDB adapter of the InventoryPort. Stock is the `stock` number of the product item; an order's
 * reservation is the item `PK=ORDER#<orderId>`, `SK=RESERVATION` (see ./README.md).
 *
 * reserve: ONE TransactWriteItems of (0) Put reservation RESERVED, condition attribute_not_exists(PK), and (1..n)
 * `stock = stock - :q` per product, condition `stock >= :q`. Cancellation reasons tell a retry (0 failed) from
 * an out-of-stock product (i failed), so nothing is ever half reserved.
 * release: ONE TransactWriteItems of (0) reservation RESERVED -> RELEASED and (1..n) `stock = stock + :q`. When no
 * reservation exists a RELEASED tombstone is put instead, so a late reserve of the same order cannot take stock.
 * Transactions that lose a race on the same product (TransactionConflict) are retried here with jittered backoff.
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

/** Transactions kept losing to concurrent ones on the same items after every attempt. */
/** A lost transaction race after every retry; the saga retries it by name (lambdas/shared/transient.ts). */
export class InventoryContentionError extends InventoryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'INVENTORY_CONTENTION', cause: options?.cause });
    this.name = 'InventoryContentionError';
  }
}

export interface DynamoInventoryOptions {
  /** Attempts when a transaction is cancelled by TransactionConflict; default 12. */
  readonly maxAttempts?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Reason = { Code?: string };

const reasonsOf = (error: unknown): Reason[] | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : undefined;

const isConflictOnly = (reasons: Reason[]): boolean =>
  reasons.some((reason) => reason.Code === 'TransactionConflict') &&
  reasons.every(
    (reason) => reason.Code === undefined || reason.Code === 'None' || reason.Code === 'TransactionConflict',
  );

export class DynamoInventoryStore implements InventoryPort {
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoInventoryOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 12;
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
    const reasons = await this.transact(input, `reserve order ${orderId}`);
    if (reasons === undefined) return 'reserved';
    if (reasons[0]?.Code === 'ConditionalCheckFailed') {
      const existing = await this.getReservation(orderId);
      if (existing?.status === 'RESERVED') return 'already-reserved';
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
    return { orderId, lines: Item.lines as StockLine[], status: Item.reservationStatus as Reservation['status'] };
  }

  async getStock(productId: string): Promise<number | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.product(productId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (Item.stock as number);
  }

  /** Runs the transaction; undefined when it committed, the cancellation reasons when a condition failed. */
  private async transact(input: TransactWriteCommandInput, what: string): Promise<Reason[] | undefined> {
    let last: unknown;
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      try {
        await this.client.send(new TransactWriteCommand(input));
        return undefined;
      } catch (error) {
        const reasons = reasonsOf(error);
        if (reasons === undefined) throw error;
        if (!isConflictOnly(reasons)) return reasons;
        last = error;
        await this.sleep(Math.random() * Math.min(1000, 10 * 2 ** attempt));
      }
    }
    throw new InventoryContentionError(`${what} lost ${this.maxAttempts} transaction conflicts in a row`, {
      cause: last,
    });
  }
}
