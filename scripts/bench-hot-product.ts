/**
 * `npm run bench:hot`: how reservations behave when HOT_RACERS orders (default 200) race for one product with
 * HOT_STOCK units (default 150), every tenth of them releasing again (a declined payment), to choose how
 * reserve/release handle a hot product (docs/decisions.md, "hot products").
 *
 * Approaches:
 *  - `transaction, 12 retries (before)`: the adapter as it was: one TransactWriteItems (reservation + stock), a
 *    TransactionConflict retried 12 times under `min(1 s, 10 ms * 2^n)` full jitter, then InventoryContentionError;
 *  - `transaction, stock read + budget (chosen)`: core/store/dynamo-inventory-store.ts as it is now;
 *  - `single-item update (reference)`: a conditional UpdateItem of the stock, then the reservation Put. Not a
 *    candidate (a crash between the two writes loses or doubles a unit), shown for what single-item writes cost.
 * Each racer runs under the saga's ASL Retry for the step (TransientDependencyError: 3 retries, 1-2-4 s full jitter;
 * release: 4 retries, max 10 s), waits scaled by HOT_ASL_SCALE (default 1, real seconds).
 *
 * Environments: DynamoDB Local as is (it serialises transactions and never answers TransactionConflict), and the
 * same DynamoDB Local behind an "AWS conflict model": what AWS documents for transactions, emulated client-side: a
 * TransactWriteItems that touches an item another transaction holds (one that is in flight) is cancelled with
 * TransactionConflict, and a PutItem/UpdateItem of such an item fails with TransactionConflictException. A transaction
 * holds its items for HOT_TX_HOLD_MS (default 25 ms, an assumption: AWS publishes no figure), so at most
 * 1000/HOT_TX_HOLD_MS transactions a second can commit on one item. Latencies still include DynamoDB Local's queue on
 * this machine; the model shows the shape (who wins, who errs, how many calls), not AWS's milliseconds.
 * HOT_ENVIRONMENTS (default `local,aws-model`) picks the environments. A benchmark for humans, not part of `npm test`.
 */
import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { money } from '../core/domain/money';
import { OutOfStockError } from '../core/inventory/inventory';
import { createDynamoStores } from '../core/store/dynamo-stores';
import { DynamoInventoryStore, InventoryContentionError } from '../core/store/dynamo-inventory-store';
import { keys } from '../core/store/keys';
import { formatNumber, formatTable, positiveIntegerSetting, summarize } from './bench-support';
import { startLocalTable } from './local-platform/local-table';

const RACERS = positiveIntegerSetting(process.env, 'HOT_RACERS', 200);
const STOCK = positiveIntegerSetting(process.env, 'HOT_STOCK', 150);
const ASL_SCALE = Number(process.env.HOT_ASL_SCALE ?? 1);
const TX_HOLD_MS = positiveIntegerSetting(process.env, 'HOT_TX_HOLD_MS', 25);

type Send = (command: unknown) => Promise<unknown>;

/** Counts the calls that reach DynamoDB (or the model) and the conflicts answered. */
interface Counted {
  readonly client: DynamoDBDocumentClient;
  readonly counts: { calls: number; conflicts: number };
}

const counting = (inner: DynamoDBDocumentClient): Counted => {
  const counts = { calls: 0, conflicts: 0 };
  const send: Send = async (command) => {
    counts.calls += 1;
    try {
      return await inner.send(command as never);
    } catch (error) {
      const name = (error as Error).name;
      const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
      if (name === 'TransactionConflictException' || reasons.some((reason) => reason.Code === 'TransactionConflict'))
        counts.conflicts += 1;
      throw error;
    }
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, counts };
};

type Keyed = { TableName?: string; Key?: Record<string, unknown>; Item?: Record<string, unknown> };
const itemKey = (op: Keyed): string => {
  const key = op.Key ?? op.Item ?? {};
  return `${op.TableName}|${String(key.PK)}|${String(key.SK)}`;
};

/**
 * AWS's documented transaction conflicts, emulated in front of DynamoDB Local (see the header). A transaction that
 * is let through holds its items for HOT_TX_HOLD_MS of the model's own clock, an assumed AWS transaction time, so
 * the conflict window does not grow with DynamoDB Local's queue on a loaded machine.
 */
const awsConflictModel = (inner: DynamoDBDocumentClient): DynamoDBDocumentClient => {
  const heldUntil = new Map<string, number>();
  const held = (key: string): boolean => (heldUntil.get(key) ?? 0) > performance.now();
  const send: Send = async (command) => {
    if (command instanceof TransactWriteCommand) {
      const items = (command.input.TransactItems ?? []).map((item) =>
        itemKey((item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck) as Keyed),
      );
      if (items.some(held))
        throw new TransactionCanceledException({
          message: 'Transaction cancelled (AWS conflict model)',
          $metadata: {},
          CancellationReasons: items.map((key) => ({ Code: held(key) ? 'TransactionConflict' : 'None' })),
        });
      for (const key of items) heldUntil.set(key, performance.now() + TX_HOLD_MS);
      return inner.send(command);
    }
    if ((command instanceof UpdateCommand || command instanceof PutCommand) && held(itemKey(command.input as Keyed)))
      throw new TransactionConflictException({
        message: 'Operation was rejected because there is an ongoing transaction for the item (AWS conflict model)',
        $metadata: {},
      });
    return inner.send(command as never);
  };
  return { send } as unknown as DynamoDBDocumentClient;
};

interface Approach {
  reserve(orderId: string, productId: string): Promise<unknown>;
  release(orderId: string, productId: string): Promise<unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The adapter's reserve/release before this change, reduced to one product line (what the saga used). */
const before = (client: DynamoDBDocumentClient, tableName: string): Approach => {
  const transact = async (input: TransactWriteCommandInput): Promise<{ Code?: string }[] | undefined> => {
    let last: unknown;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      try {
        await client.send(new TransactWriteCommand(input));
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (!reasons.some((reason) => reason.Code === 'TransactionConflict')) return reasons;
        last = error;
        await sleep(Math.random() * Math.min(1000, 10 * 2 ** attempt));
      }
    }
    throw new InventoryContentionError('lost 12 transaction conflicts in a row', { cause: last });
  };
  return {
    async reserve(orderId, productId) {
      const reasons = await transact({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.reservation(orderId),
                lines: [{ productId, quantity: 1 }],
                reservationStatus: 'RESERVED',
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Update: {
              TableName: tableName,
              Key: keys.product(productId),
              UpdateExpression: 'SET stock = stock - :q',
              ConditionExpression: 'stock >= :q',
              ExpressionAttributeValues: { ':q': 1 },
            },
          },
        ],
      });
      if (reasons === undefined) return 'reserved';
      if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new OutOfStockError([productId]);
      throw new InventoryContentionError(`cancelled: ${reasons.map((reason) => reason.Code).join(', ')}`);
    },
    async release(orderId, productId) {
      const reasons = await transact({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.reservation(orderId),
              UpdateExpression: 'SET reservationStatus = :released',
              ConditionExpression: 'reservationStatus = :reserved',
              ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED' },
            },
          },
          {
            Update: {
              TableName: tableName,
              Key: keys.product(productId),
              UpdateExpression: 'SET stock = stock + :q',
              ExpressionAttributeValues: { ':q': 1 },
            },
          },
        ],
      });
      if (reasons !== undefined) throw new InventoryContentionError('release cancelled');
      return 'released';
    },
  };
};

const chosen = (client: DynamoDBDocumentClient, tableName: string): Approach => {
  const store = new DynamoInventoryStore(client, tableName);
  return {
    reserve: (orderId, productId) => store.reserve(orderId, [{ productId, quantity: 1 }]),
    release: (orderId) => store.release(orderId),
  };
};

/** Single-item writes, no transaction: the throughput reference (not exactly-once, see the header). */
const singleItem = (client: DynamoDBDocumentClient, tableName: string): Approach => ({
  async reserve(orderId, productId) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.product(productId),
          UpdateExpression: 'SET stock = stock - :q',
          ConditionExpression: 'stock >= :q',
          ExpressionAttributeValues: { ':q': 1 },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw new OutOfStockError([productId]);
      throw error;
    }
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.reservation(orderId), lines: [{ productId, quantity: 1 }], reservationStatus: 'RESERVED' },
      }),
    );
    return 'reserved';
  },
  async release(orderId, productId) {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.reservation(orderId),
        UpdateExpression: 'SET reservationStatus = :released',
        ExpressionAttributeValues: { ':released': 'RELEASED' },
      }),
    );
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.product(productId),
        UpdateExpression: 'SET stock = stock + :q',
        ExpressionAttributeValues: { ':q': 1 },
      }),
    );
    return 'released';
  },
});

/** What the saga's classification retries (lambdas/shared/transient.ts) and the ASL Retry then waits for. */
const isRetriedByAsl = (error: unknown): boolean =>
  error instanceof InventoryContentionError || (error as Error).name === 'TransactionConflictException';

/** The ASL Retry of a step: `retries` more attempts after `FULL` jitter under min(maxDelay, 2^n) seconds. */
const underAslRetry = async <T>(attempt: () => Promise<T>, retries: number, maxDelaySeconds: number): Promise<T> => {
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (retry >= retries || !isRetriedByAsl(error)) throw error;
      await sleep(Math.random() * Math.min(maxDelaySeconds, 2 ** retry) * 1000 * ASL_SCALE);
    }
  }
};

interface RunResult {
  readonly reserved: number;
  readonly outOfStock: number;
  readonly errors: number;
  readonly releaseErrors: number;
  /** Error name -> count, of reserves and releases that failed for good. */
  readonly errorNames: Readonly<Record<string, number>>;
  readonly latencies: number[];
  readonly calls: number;
  readonly conflicts: number;
  readonly conserved: boolean;
  readonly seconds: number;
}

const run = async (
  base: DynamoDBDocumentClient,
  tableName: string,
  environment: 'local' | 'aws-model',
  make: (client: DynamoDBDocumentClient, tableName: string) => Approach,
  label: string,
): Promise<RunResult> => {
  const counted = counting(environment === 'aws-model' ? awsConflictModel(base) : base);
  const approach = make(counted.client, tableName);
  const stores = createDynamoStores(base, tableName);
  const productId = `hot-${label}-${environment}`;
  await stores.products.putProduct({
    productId,
    name: productId,
    price: money(100, 'EUR'),
    stock: STOCK,
    updatedAt: new Date().toISOString(),
  });
  let reserved = 0;
  let outOfStock = 0;
  let errors = 0;
  let released = 0;
  let releaseErrors = 0;
  const latencies: number[] = [];
  const errorNames: Record<string, number> = {};
  const noteError = (error: unknown) => {
    const name = (error as Error).name ?? 'unknown';
    errorNames[name] = (errorNames[name] ?? 0) + 1;
  };
  const started = Date.now();
  await Promise.all(
    Array.from({ length: RACERS }, async (_, index) => {
      const orderId = `${productId}-o${index}`;
      const t0 = Date.now();
      try {
        await underAslRetry(() => approach.reserve(orderId, productId), 3, 8);
        reserved += 1;
      } catch (error) {
        if (error instanceof OutOfStockError) outOfStock += 1;
        else {
          errors += 1;
          noteError(error);
        }
        latencies.push(Date.now() - t0);
        return;
      }
      latencies.push(Date.now() - t0);
      if (index % 10 !== 9) return;
      try {
        await underAslRetry(() => approach.release(orderId, productId), 4, 10);
        released += 1;
      } catch (error) {
        releaseErrors += 1;
        noteError(error);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const { Item } = await base.send(
    new GetCommand({ TableName: tableName, Key: keys.product(productId), ConsistentRead: true }),
  );
  return {
    reserved,
    outOfStock,
    errors,
    releaseErrors,
    errorNames,
    latencies,
    calls: counted.counts.calls,
    conflicts: counted.counts.conflicts,
    conserved: (Item?.stock as number) === STOCK - reserved + released,
    seconds,
  };
};

const main = async (): Promise<void> => {
  const table = await startLocalTable({ readyTimeoutMs: 120_000 });
  const approaches: [string, (client: DynamoDBDocumentClient, tableName: string) => Approach][] = [
    ['transaction, 12 retries (before)', before],
    ['transaction, stock read + budget (chosen)', chosen],
    ['single-item update (reference)', singleItem],
  ];
  const rows: string[][] = [];
  try {
    const environments = (process.env.HOT_ENVIRONMENTS ?? 'local,aws-model').split(',') as ('local' | 'aws-model')[];
    for (const environment of environments) {
      for (const [name, make] of approaches) {
        const result = await run(table.documentClient, table.tableName, environment, make, rows.length.toString());
        const latency = summarize(result.latencies);
        rows.push([
          environment === 'local' ? 'DynamoDB Local' : 'AWS conflict model',
          name,
          String(result.reserved),
          String(result.outOfStock),
          String(result.errors),
          String(result.releaseErrors),
          formatNumber(latency.p50),
          formatNumber(latency.p99),
          formatNumber(result.calls / RACERS, 2),
          String(result.conflicts),
          result.conserved ? 'yes' : 'NO',
          formatNumber(result.seconds, 1),
          Object.entries(result.errorNames)
            .map(([name, count]) => `${name} ${count}`)
            .join(', '),
        ]);
        process.stdout.write(`${rows.at(-1)?.join(' | ')}\n`);
      }
    }
  } finally {
    await table.stop();
  }
  process.stdout.write(
    `\n${RACERS} racers, one product with ${STOCK} units, every tenth releases again; ASL waits x${ASL_SCALE}; model hold ${TX_HOLD_MS} ms\n\n${formatTable(
      [
        'environment',
        'approach',
        'reserved',
        'OUT_OF_STOCK',
        'errors',
        'release errors',
        'p50 ms',
        'p99 ms',
        'DynamoDB calls per racer',
        'conflicts',
        'stock conserved',
        'run s',
        'errors by name',
      ],
      rows,
    )}\n`,
  );
};

main().catch((error: unknown) => {
  process.stderr.write(`bench:hot failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
