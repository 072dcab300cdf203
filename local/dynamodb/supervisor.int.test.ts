import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from './dynamodb-local';
import { superviseDynamoDbLocal, type SupervisedDynamoDb } from './supervisor';
import { clientFor } from './test-harness';

jest.setTimeout(120_000);

const silent = { info: () => undefined, error: () => undefined };

describe('DynamoDB Local under the supervisor', () => {
  let supervised: SupervisedDynamoDb;
  const restartedAt: string[] = [];

  beforeAll(async () => {
    const first = await startDynamoDbLocal();
    supervised = superviseDynamoDbLocal(first, {
      log: silent,
      afterRestart: async (endpoint) => void restartedAt.push(endpoint),
    });
  });
  afterAll(async () => {
    await supervised?.stop();
  });

  it('is started again on the same endpoint after its JVM was killed, and answers', async () => {
    // prepare
    const [endpoint, pid] = [supervised.endpoint(), supervised.pid()];
    // act
    process.kill(pid, 'SIGKILL');
    while (supervised.restarts() === 0) await new Promise((wake) => setTimeout(wake, 100));
    // assess
    const client = clientFor(supervised.endpoint());
    const tables = await client.send(new ListTablesCommand({})).finally(() => client.destroy());
    expect([restartedAt, supervised.endpoint(), supervised.pid() !== pid, tables.TableNames]).toEqual([
      [endpoint],
      endpoint,
      true,
      [],
    ]);
  });
});
