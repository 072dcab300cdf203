/**
 * One paged Query over an index partition, shared by the catalog, order and events-log adapters. The indexes hold
 * keys only, so the page's items are read after the query (./hydrate.ts). The cursor is the
 * DynamoDB LastEvaluatedKey, base64url-encoded, and is checked strictly on the way back in: exactly the key
 * attributes of the table and the queried index, strings, in the queried partition and within the queried sort-key
 * range. So a cursor cannot reach other data, and DynamoDB never sees a start key it would refuse with a
 * ValidationException (which would be a 500): a bad cursor is a 400 INVALID_CURSOR.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import { PaginationCursorInvalidError } from '../orders/errors';
import { tables } from '../platform/resources';
import { hydrate } from './hydrate';
import type { Item } from './items';

const DEFAULT_PAGE = 20;

const encodeCursor = (key: Item | undefined): string | undefined =>
  key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url');

/** The attributes of a LastEvaluatedKey of `index`: the table's key and the index's key (core/platform/resources.ts). */
const startKeyAttributes = (index: string): ReadonlySet<string> => {
  for (const table of tables) {
    const gsi = table.globalSecondaryIndexes.find((candidate) => candidate.name === index);
    if (gsi !== undefined) return new Set([table.partitionKey, table.sortKey, gsi.partitionKey, gsi.sortKey]);
  }
  throw new Error(`core/platform/resources.ts describes no index ${index}`);
};

/** What a cursor must be to be taken back: see the file header. */
export interface CursorScope {
  readonly index: string;
  readonly partitionAttribute: string;
  readonly partition: string;
  readonly sortKeyBetween?: { readonly attribute: string; readonly from: string; readonly to: string };
}

/** The start key a cursor of `scope` stands for; PaginationCursorInvalidError (400) for anything else. */
export const decodeCursor = (cursor: string | undefined, scope: CursorScope): Item | undefined => {
  if (cursor === undefined) return undefined;
  const refuse = (why: string, cause?: unknown): never => {
    throw new PaginationCursorInvalidError(
      `the cursor is not one this API issued for this listing (${why})`,
      cause === undefined ? undefined : { cause },
    );
  };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    return refuse('not base64url JSON', cause);
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return refuse('not an object');
  const key = decoded as Record<string, unknown>;
  const expected = startKeyAttributes(scope.index);
  const names = Object.keys(key);
  if (names.length !== expected.size || !names.every((name) => expected.has(name))) return refuse('unexpected keys');
  if (!Object.values(key).every((value) => typeof value === 'string' && value.length > 0 && value.length < 1024))
    return refuse('a key is not a string of 1 to 1023 characters');
  if (key[scope.partitionAttribute] !== scope.partition) return refuse('another partition');
  const range = scope.sortKeyBetween;
  if (range !== undefined) {
    const sortValue = key[range.attribute] as string;
    if (sortValue < range.from || sortValue > range.to) return refuse('outside the queried range');
  }
  return key as Item;
};

export interface PageQuery<T> {
  readonly index: string;
  readonly partitionAttribute: string;
  readonly partition: string;
  readonly ascending: boolean;
  readonly map: (item: Item) => T;
  /** Narrows the partition to sort keys between `from` and `to` (inclusive), still one indexed Query. */
  readonly sortKeyBetween?: { readonly attribute: string; readonly from: string; readonly to: string };
  /**
   * Applied to the page's items after they are read (the index holds keys only, so DynamoDB cannot filter on other
   * attributes). A filtered page is filled by further Queries from where the last one stopped, each asking only for
   * the items still missing, so the cursor stays exact; after MAX_FILTER_ROUNDS Queries the page is answered as it is
   * (it may then hold fewer than `limit` items, even none, with a cursor to go on).
   */
  readonly filter?: (item: Item) => boolean;
}

/** The most Queries one filtered page makes: bounds the work of a request whatever the partition holds. */
export const MAX_FILTER_ROUNDS = 5;

export const queryPage = async <T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: PageQuery<T>,
  page: PageRequest,
): Promise<Page<T>> => {
  const limit = page.limit ?? DEFAULT_PAGE;
  const kept: Item[] = [];
  let startKey = decodeCursor(page.cursor, query);
  let rounds = 0;
  do {
    rounds += 1;
    const response = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: query.index,
        KeyConditionExpression: `${query.partitionAttribute} = :pk${query.sortKeyBetween === undefined ? '' : ` AND ${query.sortKeyBetween.attribute} BETWEEN :skFrom AND :skTo`}`,
        ExpressionAttributeValues: {
          ':pk': query.partition,
          ...(query.sortKeyBetween === undefined
            ? {}
            : { ':skFrom': query.sortKeyBetween.from, ':skTo': query.sortKeyBetween.to }),
        },
        ScanIndexForward: query.ascending,
        Limit: limit - kept.length,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = await hydrate(client, tableName, response.Items ?? []);
    kept.push(...(query.filter === undefined ? items : items.filter(query.filter)));
    startKey = response.LastEvaluatedKey;
  } while (query.filter !== undefined && kept.length < limit && startKey !== undefined && rounds < MAX_FILTER_ROUNDS);
  const nextCursor = encodeCursor(startKey);
  return { items: kept.map(query.map), ...(nextCursor === undefined ? {} : { nextCursor }) };
};
