/**
 * The table's indexes hold keys only (core/platform/resources.ts, `projection: 'KEYS_ONLY'`): an index is then
 * written only when its keys change, not on every change of an item it lists (docs/decisions.md, "indexes that hold
 * keys only"). A query on an index answers keys; this reads the items behind them, in the order of the keys.
 *
 * One BatchGetItem per 100 keys (its limit). Keys DynamoDB leaves unprocessed (throttling, or the 16 MB answer limit)
 * are asked again after a short backoff; an item gone between the query and the read (deleted, or expired by TTL) is
 * left out, as a query started a moment later would have.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tables } from '../platform/resources';
import type { Item } from './items';

const BATCH_LIMIT = 100;
const MAX_ROUNDS = 8;

const table = tables[0];
const keyOf = (item: Item): Item => ({
  [table.partitionKey]: item[table.partitionKey],
  [table.sortKey]: item[table.sortKey],
});
const keyString = (item: Item): string => `${String(item[table.partitionKey])}\u0000${String(item[table.sortKey])}`;

/**
 * Thrown when DynamoDB kept leaving keys unprocessed through every round: DynamoDB refusing to serve, as throttling
 * is. It carries the SDK's server-fault mark, so the API's and the steps' classifiers (which read errors by their SDK
 * shape) answer 503 / retry it like any other dependency failure.
 */
export class HydrationIncompleteError extends Error {
  readonly $fault = 'server';
  constructor(readonly unprocessed: number) {
    super(`DynamoDB left ${unprocessed} keys unprocessed after ${MAX_ROUNDS} rounds of BatchGetItem`);
    this.name = 'HydrationIncompleteError';
  }
}

/**
 * The items behind `indexItems` (anything holding the table's key attributes, e.g. a Query's Items on a KEYS_ONLY
 * index), in the same order; missing items are left out. `consistentRead` for callers that must see their own writes.
 */
export const hydrate = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  indexItems: readonly Item[],
  options: { readonly consistentRead?: boolean; readonly sleep?: (ms: number) => Promise<void> } = {},
): Promise<Item[]> => {
  if (indexItems.length === 0) return [];
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const found = new Map<string, Item>();
  const unique = [...new Map(indexItems.map((item) => [keyString(item), keyOf(item)])).values()];
  for (let start = 0; start < unique.length; start += BATCH_LIMIT) {
    let pending: Item[] = unique.slice(start, start + BATCH_LIMIT);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === MAX_ROUNDS) throw new HydrationIncompleteError(pending.length);
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
      const answer = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistentRead === true } },
        }),
      );
      for (const item of answer.Responses?.[tableName] ?? []) found.set(keyString(item), item);
      pending = (answer.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return indexItems.flatMap((item) => {
    const full = found.get(keyString(item));
    return full === undefined ? [] : [full];
  });
};
