/**
 * Creates the tables described in core/platform/resources.ts (keys, GSIs projecting everything, TTL) on any
 * DynamoDB endpoint, typically DynamoDB Local.
 */
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tables } from '../../core/platform/resources';
import type { TableSpec } from '../../core/platform/resources';

/** Creates one table from its spec under `physicalName`; an existing table is left as is. */
export const createTable = async (client: DynamoDBClient, spec: TableSpec, physicalName: string): Promise<void> => {
  const keyNames = new Set([spec.partitionKey, spec.sortKey, ...spec.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey])]);
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
          Projection: { ProjectionType: 'ALL' },
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
  await client.send(new UpdateTimeToLiveCommand({ TableName: physicalName, TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true } }));
};

/** Creates every table of the platform; `nameOf` maps a logical name to the physical one. Returns the physical names. */
export const createPlatformTables = async (client: DynamoDBClient, nameOf: (logical: string) => string): Promise<string[]> => {
  const names: string[] = [];
  for (const spec of tables) {
    const physical = nameOf(spec.name);
    await createTable(client, spec, physical);
    names.push(physical);
  }
  return names;
};
