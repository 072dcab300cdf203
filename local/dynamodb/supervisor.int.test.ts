import { createServer, type Server } from 'node:net';
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

describe('DynamoDB Local under the supervisor, when a restart fails', () => {
  const killAndWait = async (supervised: SupervisedDynamoDb, until: () => boolean): Promise<void> => {
    process.kill(supervised.pid(), 'SIGKILL');
    const deadline = Date.now() + 100_000;
    while (!until()) {
      if (Date.now() > deadline) throw new Error('the supervisor did nothing within 100 s');
      await new Promise((wake) => setTimeout(wake, 100));
    }
  };

  it('starts it on a free port when its old port has been taken meanwhile, and the endpoint follows', async () => {
    // prepare: the next start on the old port finds it taken (as when another process picked it up)
    const first = await startDynamoDbLocal();
    const taken: Server[] = [];
    const supervised = superviseDynamoDbLocal(first, {
      log: silent,
      afterRestart: async () => undefined,
      retryDelayMs: 10,
      launch: async (options) => {
        if (options.port !== undefined)
          taken.push(
            await new Promise<Server>((bound) => {
              const server = createServer();
              server.listen(options.port, '127.0.0.1', () => bound(server));
            }),
          );
        return startDynamoDbLocal(options);
      },
    });
    try {
      // act
      await killAndWait(supervised, () => supervised.restarts() === 1);
      // assess
      const client = clientFor(supervised.endpoint());
      const tables = await client.send(new ListTablesCommand({})).finally(() => client.destroy());
      expect([taken.length, supervised.endpoint() !== first.endpoint, tables.TableNames]).toEqual([1, true, []]);
    } finally {
      await supervised.stop();
      for (const server of taken) server.close();
    }
  });

  it('stops trying after its attempts and tells its owner why', async () => {
    // prepare: every restart fails (no java where it is looked for)
    const first = await startDynamoDbLocal();
    const told: string[] = [];
    const supervised = superviseDynamoDbLocal(first, {
      start: { javaCommand: '/nonexistent/java' },
      log: silent,
      afterRestart: async () => undefined,
      maxRestarts: 2,
      retryDelayMs: 10,
      onGiveUp: (message) => void told.push(message),
    });
    try {
      // act
      await killAndWait(supervised, () => told.length > 0);
      // assess
      expect([told.length, supervised.restarts(), told[0]]).toEqual([
        1,
        0,
        expect.stringMatching(/^DynamoDB Local died and could not be started again \(2 attempts; last: .*Java 17/),
      ]);
    } finally {
      await supervised.stop();
    }
  });
});
