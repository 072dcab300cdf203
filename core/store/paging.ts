/**
 * One paged Query over an index partition, shared by the catalog, order and events-log adapters. The cursor is the
 * DynamoDB LastEvaluatedKey, base64url-encoded, and is checked on the way back in to belong to the queried
 * partition, so a cursor cannot reach other data.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import { PaginationCursorInvalidError } from '../orders/errors';
import type { Item } from './items';

const DEFAULT_PAGE = 20;

const encodeCursor = (key: Item | undefined): string | undefined =>
  key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url');

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

export interface PageQuery<T> {
  readonly index: string;
  readonly partitionAttribute: string;
  readonly partition: string;
  readonly ascending: boolean;
  readonly map: (item: Item) => T;
  /** Narrows the partition to sort keys between `from` and `to` (inclusive), still one indexed Query. */
  readonly sortKeyBetween?: { readonly attribute: string; readonly from: string; readonly to: string };
  /** Applied after the key condition (within the partition): a page may hold fewer than `limit` items. */
  readonly filter?: { readonly expression: string; readonly names: Record<string, string>; readonly values: Item };
}

export const queryPage = async <T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: PageQuery<T>,
  page: PageRequest,
): Promise<Page<T>> => {
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
        ...query.filter?.values,
      },
      ...(query.filter === undefined
        ? {}
        : { FilterExpression: query.filter.expression, ExpressionAttributeNames: query.filter.names }),
      ScanIndexForward: query.ascending,
      Limit: page.limit ?? DEFAULT_PAGE,
      ExclusiveStartKey: decodeCursor(page.cursor, query.partitionAttribute, query.partition),
    }),
  );
  const nextCursor = encodeCursor(response.LastEvaluatedKey);
  return { items: (response.Items ?? []).map(query.map), ...(nextCursor === undefined ? {} : { nextCursor }) };
};
