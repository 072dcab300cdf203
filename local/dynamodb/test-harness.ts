/**
 * For tests and scripts: one DynamoDB Local with the platform's tables and SDK clients pointed at it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { physicalName } from '../../core/platform/resources';
import { createPlatformTables } from './create-tables';
import { startDynamoDbLocal } from './dynamodb-local';
import type { DynamoDbLocal, DynamoDbLocalOptions } from './dynamodb-local';

export interface LocalTable {
  readonly dynamo: DynamoDbLocal;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** The physical name of the `orders` table. */
  readonly tableName: string;
  stop(): Promise<void>;
}

/** Dummy credentials: DynamoDB Local checks that requests are signed, not by whom. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const clientFor = (endpoint: string): DynamoDBClient => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });

export const startLocalTable = async (options: DynamoDbLocalOptions & { prefix?: string } = {}): Promise<LocalTable> => {
  const dynamo = await startDynamoDbLocal(options);
  const client = clientFor(dynamo.endpoint);
  try {
    const [tableName] = await createPlatformTables(client, (name) => physicalName(options.prefix ?? 'local', name));
    const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    return {
      dynamo,
      client,
      documentClient,
      tableName,
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
