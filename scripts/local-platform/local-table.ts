/**
 * For tests and scripts: one DynamoDB Local with the platform's tables (core/platform/resources.ts) and SDK clients
 * pointed at it; `tableName` is the orders table, found by name.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  startLocalTables,
  type DynamoDBClient,
  type DynamoDbLocal,
  type DynamoDbLocalOptions,
} from '@order-platform/local-cloud/dynamodb';
import { physicalName, tables } from '../../core/platform/resources';
import { byName, PLATFORM } from './description';

export { clientFor, localCredentials } from '@order-platform/local-cloud/dynamodb';

export interface LocalTable {
  readonly dynamo: DynamoDbLocal;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** The physical name of the `orders` table. */
  readonly tableName: string;
  stop(): Promise<void>;
}

export const startLocalTable = async (
  options: DynamoDbLocalOptions & { prefix?: string } = {},
): Promise<LocalTable> => {
  const names = (logical: string): string => physicalName(options.prefix ?? 'local', logical);
  const local = await startLocalTables(tables, { ...options, names });
  const documentClient = DynamoDBDocumentClient.from(local.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    dynamo: local.dynamo,
    client: local.client,
    documentClient,
    tableName: names(byName(tables, PLATFORM.table, 'table').name),
    stop: () => local.stop(),
  };
};
