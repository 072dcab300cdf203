/**
 * Creates a table from its description (string keys, GSIs projecting what the description says, TTL) on any DynamoDB endpoint,
 * typically DynamoDB Local, and waits until it is ACTIVE.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDescription } from '../cloud/description';

/** Creates one table from its spec under `physicalName`; an existing table is left as is. */
export const createTable = async (
  client: DynamoDBClient,
  spec: TableDescription,
  physicalName: string,
): Promise<void> => {
  const keyNames = new Set([
    spec.partitionKey,
    spec.sortKey,
    ...spec.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]),
  ]);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: physicalName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...keyNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: spec.partitionKey, KeyType: 'HASH' },
          { AttributeName: spec.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: spec.globalSecondaryIndexes.map((gsi) => ({
          IndexName: gsi.name,
          KeySchema: [
            { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: gsi.projection ?? 'ALL' },
        })),
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const described = await client.send(new DescribeTableCommand({ TableName: physicalName }));
    if (described.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  if (spec.ttlAttribute === undefined) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: physicalName,
      TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
    }),
  );
};
