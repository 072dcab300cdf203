import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DynamoDbLocalJavaMissingError, startDynamoDbLocal } from './dynamodb-local';
import { startLocalTables } from './test-harness';
import type { LocalTables } from './test-harness';

const orders = {
  name: 'orders',
  partitionKey: 'PK',
  sortKey: 'SK',
  globalSecondaryIndexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
  ttlAttribute: 'expiresAt',
};

describe('DynamoDB Local', () => {
  let local: LocalTables;
  let tableName: string;
  beforeAll(async () => {
    local = await startLocalTables([orders], { names: (logical) => `local-${logical}` });
    [tableName] = local.tableNames;
  });
  afterAll(async () => {
    await local.stop();
  });

  it('listens on 127.0.0.1 with the described table, both GSIs and TTL on expiresAt', async () => {
    const table = await local.client.send(new DescribeTableCommand({ TableName: tableName }));
    const ttl = await local.client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(local.dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(table.Table?.GlobalSecondaryIndexes?.map((gsi) => gsi.IndexName).sort()).toEqual(['GSI1', 'GSI2']);
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });

  it('cannot be reached on any other address of this machine (it serves webhook secrets)', async () => {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info !== undefined && !info.internal && info.family === 'IPv4')
      .map((info) => info?.address as string);
    const port = local.dynamo.port;
    const reachable = async (host: string): Promise<boolean> =>
      new Promise((resolveReach) => {
        const socket = connect({ host, port });
        socket.once('connect', () => {
          socket.destroy();
          resolveReach(true);
        });
        socket.once('error', () => resolveReach(false));
      });

    const outcomes = await Promise.all(
      ['127.0.0.1', ...addresses].map(async (host) => [host, await reachable(host)] as const),
    );

    expect(outcomes).toEqual([['127.0.0.1', true], ...addresses.map((host) => [host, false] as const)]);
  });

  it('names how to install Java 17 when java is missing', async () => {
    expect.assertions(2);
    try {
      await startDynamoDbLocal({ javaCommand: 'java-not-installed-here' });
    } catch (error) {
      expect(error).toBeInstanceOf(DynamoDbLocalJavaMissingError);
      expect((error as Error).message).toMatch(/Java 17.*openjdk-17-jre-headless/);
    }
  });

  it('stops the JVM by its pid', async () => {
    const other = await startDynamoDbLocal();
    await other.stop();
    const alive = spawnSync('kill', ['-0', String(other.pid)]).status === 0;
    expect(alive).toBe(false);
  });
});
