/**
 * For tests and scripts: one DynamoDB Local with the given tables and an SDK client pointed at it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDescription } from '../cloud/description';
import { createTable } from './create-tables';
import { startDynamoDbLocal } from './dynamodb-local';
import type { DynamoDbLocal, DynamoDbLocalOptions } from './dynamodb-local';

export interface LocalTables {
  readonly dynamo: DynamoDbLocal;
  readonly client: DynamoDBClient;
  /** The physical names of the tables, in the order given. */
  readonly tableNames: readonly string[];
  stop(): Promise<void>;
}

/** Dummy credentials: DynamoDB Local checks that requests are signed, not by whom. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const clientFor = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });

/** Starts DynamoDB Local and creates the tables; `names` maps a logical name to the physical one (identity by default). */
export const startLocalTables = async (
  tables: readonly TableDescription[],
  options: DynamoDbLocalOptions & { names?: (logical: string) => string } = {},
): Promise<LocalTables> => {
  const dynamo = await startDynamoDbLocal(options);
  const client = clientFor(dynamo.endpoint);
  const names = options.names ?? ((logical: string) => logical);
  try {
    const tableNames: string[] = [];
    for (const table of tables) {
      await createTable(client, table, names(table.name));
      tableNames.push(names(table.name));
    }
    return {
      dynamo,
      client,
      tableNames,
      stop: async () => {
        client.destroy();
        await dynamo.stop();
      },
    };
  } catch (error) {
    client.destroy();
    await dynamo.stop();
    throw error;
  }
};
