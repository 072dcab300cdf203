import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { startEdge, type RunningEdge } from '../edge/server';
import { DynamoDbFaults } from './dynamodb-faults';
import { DynamoDbProxy } from './dynamodb-proxy';
import { startDynamoDbLocal, type DynamoDbLocal } from '../dynamodb/dynamodb-local';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('DynamoDB through the edge', () => {
  let dynamo: DynamoDbLocal;
  let edge: RunningEdge;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    edge = await startEdge({ services: [new DynamoDbProxy(dynamo.endpoint)] });
    client = new DynamoDBClient({ endpoint: edge.url, region: 'us-east-1', credentials });
    await client.send(
      new CreateTableCommand({
        TableName: 'proxy-test',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }, 30_000);
  afterAll(async () => {
    client.destroy();
    await edge.close();
    await dynamo.stop();
  });

  it('writes and reads an item through the proxy', async () => {
    await client.send(new PutItemCommand({ TableName: 'proxy-test', Item: { PK: { S: 'a' }, n: { N: '1' } } }));

    const answer = await client.send(new GetItemCommand({ TableName: 'proxy-test', Key: { PK: { S: 'a' } } }));

    expect(answer.Item).toEqual({ PK: { S: 'a' }, n: { N: '1' } });
  });

  it('hands a cancelled TransactWriteItems to the SDK with its cancellation reasons and writes nothing', async () => {
    expect.assertions(4);
    await client.send(new PutItemCommand({ TableName: 'proxy-test', Item: { PK: { S: 'taken' } } }));

    const failure = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'proxy-test', Item: { PK: { S: 'fresh' } } } },
            {
              Put: {
                TableName: 'proxy-test',
                Item: { PK: { S: 'taken' } },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      )
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransactionCanceledException);
    const reasons = (failure as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code);
    expect(reasons).toEqual(['None', 'ConditionalCheckFailed']);
    const fresh = await client.send(new GetItemCommand({ TableName: 'proxy-test', Key: { PK: { S: 'fresh' } } }));
    expect(fresh.Item).toBeUndefined();
    expect((failure as TransactionCanceledException).$metadata.httpStatusCode).toBe(400);
  });

  it('meters the units DynamoDB Local reports, indexes included, and answers the client without them', async () => {
    // prepare: a table with a projecting GSI, behind an edge whose proxy meters
    const reported: { operation: string; writeUnits: number; readUnits: number }[] = [];
    const metered = await startEdge({
      services: [
        new DynamoDbProxy(dynamo.endpoint, {
          onConsumedCapacity: (operation, _body, units) => reported.push({ operation, ...units }),
        }),
      ],
    });
    const meteredClient = new DynamoDBClient({ endpoint: metered.url, region: 'us-east-1', credentials });
    await meteredClient.send(
      new CreateTableCommand({
        TableName: 'metered',
        AttributeDefinitions: [
          { AttributeName: 'PK', AttributeType: 'S' },
          { AttributeName: 'G', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'ByG',
            KeySchema: [{ AttributeName: 'G', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // act
    const put = await meteredClient.send(
      new PutItemCommand({ TableName: 'metered', Item: { PK: { S: 'a' }, G: { S: 'g' } } }),
    );
    const moved = await meteredClient.send(
      new UpdateItemCommand({
        TableName: 'metered',
        Key: { PK: { S: 'a' } },
        UpdateExpression: 'SET G = :g',
        ExpressionAttributeValues: { ':g': { S: 'h' } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meteredClient.destroy();
    await metered.close();
    // assess: the put wrote the table and the index; moving the index key wrote the index twice
    expect(reported).toEqual([
      { operation: 'PutItem', writeUnits: 2, readUnits: 0 },
      { operation: 'UpdateItem', writeUnits: 3, readUnits: 0 },
    ]);
    expect(put.ConsumedCapacity).toBeUndefined();
    expect(moved.ConsumedCapacity).toEqual({ TableName: 'metered', CapacityUnits: 3 });
  });

  it('meters a transaction as DynamoDB bills it, 2 units per KB of each item, where DynamoDB Local answers 2 for small ones', async () => {
    // prepare: a metered edge; an item of about 1.5 KB to update in the transaction
    const reported: { operation: string; writeUnits: number }[] = [];
    const metered = await startEdge({
      services: [
        new DynamoDbProxy(dynamo.endpoint, {
          onConsumedCapacity: (operation, _body, units) => reported.push({ operation, writeUnits: units.writeUnits }),
        }),
      ],
    });
    const meteredClient = new DynamoDBClient({ endpoint: metered.url, region: 'us-east-1', credentials });
    const big = 'x'.repeat(1500);
    await client.send(new PutItemCommand({ TableName: 'proxy-test', Item: { PK: { S: 'tx-big' }, pad: { S: big } } }));
    const small = (id: string) => ({ PK: { S: id }, pad: { S: 'y'.repeat(300) } });
    try {
      // act: three small puts; then a small put and an update of the 1.5 KB item
      const threePuts = await meteredClient.send(
        new TransactWriteItemsCommand({
          TransactItems: ['tx-1', 'tx-2', 'tx-3'].map((id) => ({ Put: { TableName: 'proxy-test', Item: small(id) } })),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      await meteredClient.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'proxy-test', Item: small('tx-4') } },
            {
              Update: {
                TableName: 'proxy-test',
                Key: { PK: { S: 'tx-big' } },
                UpdateExpression: 'SET n = :n',
                ExpressionAttributeValues: { ':n': { N: '1' } },
              },
            },
          ],
        }),
      );
      // a put into the indexed table 'metered' (the test above) beside a ConditionCheck of the 1.5 KB item, TOTAL asked
      const direct = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
      const probe = await direct.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: 'metered', Item: { ...small('tx-probe'), G: { S: 'g' } } } }],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      direct.destroy();
      const indexUnits = probe.ConsumedCapacity?.[0]?.GlobalSecondaryIndexes?.ByG?.CapacityUnits ?? Number.NaN;
      const indexed = await meteredClient.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'metered', Item: { ...small('tx-5'), G: { S: 'g' } } } },
            {
              ConditionCheck: {
                TableName: 'proxy-test',
                Key: { PK: { S: 'tx-big' } },
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      const deadline = Date.now() + 5000;
      while (reported.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      // assess: 3 x 2 units; 2 (the small put) + 2 x 2 (the 1.5 KB item); the index's units kept beside 2 (the put)
      // + 2 x 2 (the checked 1.5 KB item); the client's own figures are DynamoDB Local's, in the form it asked for
      expect(indexUnits).toBeGreaterThan(0);
      expect(reported).toEqual([
        { operation: 'TransactWriteItems', writeUnits: 6 },
        { operation: 'TransactWriteItems', writeUnits: 6 },
        { operation: 'TransactWriteItems', writeUnits: indexUnits + 6 },
      ]);
      expect(threePuts.ConsumedCapacity).toEqual([{ TableName: 'proxy-test', CapacityUnits: 2 }]);
      for (const entry of indexed.ConsumedCapacity ?? [])
        expect(Object.keys(entry).sort()).toEqual(['CapacityUnits', 'TableName']);
    } finally {
      meteredClient.destroy();
      await metered.close();
    }
  });

  it("refuses a ReturnConsumedCapacity that is not one of DynamoDB's values, as DynamoDB does, and writes nothing", async () => {
    // prepare: a metering edge, which asks DynamoDB Local for the units of every call that did not ask itself
    const reported: string[] = [];
    const metered = await startEdge({
      services: [new DynamoDbProxy(dynamo.endpoint, { onConsumedCapacity: (operation) => reported.push(operation) })],
    });
    const meteredClient = new DynamoDBClient({ endpoint: metered.url, region: 'us-east-1', credentials });
    const put = (value: string) =>
      meteredClient
        .send(
          new PutItemCommand({
            TableName: 'proxy-test',
            Item: { PK: { S: `capacity-${value}` } },
            ReturnConsumedCapacity: value as 'TOTAL',
          }),
        )
        .then(
          () => 'written',
          (error: { name?: string }) => error.name,
        );
    // act
    const answers = [await put('BOGUS'), await put('total'), await put('NONE')];
    const items = await Promise.all(
      ['BOGUS', 'total', 'NONE'].map(async (value) =>
        client
          .send(new GetItemCommand({ TableName: 'proxy-test', Key: { PK: { S: `capacity-${value}` } } }))
          .then((answer) => answer.Item !== undefined),
      ),
    );
    meteredClient.destroy();
    await metered.close();
    // assess: the two invalid values refused (before, the proxy rewrote them to INDEXES and the write was made)
    expect(answers).toEqual(['ValidationException', 'ValidationException', 'written']);
    expect(items).toEqual([false, false, true]);
    expect(reported).toEqual(['PutItem']);
  });

  it('answers ServiceUnavailable instead of hanging when DynamoDB Local is gone', async () => {
    expect.assertions(1);
    const orphan = await startEdge({ services: [new DynamoDbProxy('http://127.0.0.1:1')] });
    const orphanClient = new DynamoDBClient({ endpoint: orphan.url, region: 'us-east-1', credentials, maxAttempts: 1 });

    await orphanClient
      .send(new GetItemCommand({ TableName: 'proxy-test', Key: { PK: { S: 'a' } } }))
      .catch((error: Error) => {
        expect(error.name).toBe('ServiceUnavailable');
      });
    orphanClient.destroy();
    await orphan.close();
  });
});

describe('DynamoDB faults on the edge', () => {
  let dynamo: DynamoDbLocal;
  let edge: RunningEdge;
  let faults: DynamoDbFaults;
  /** Signs as the function `charge` (its access key names the caller, as the local IAM's principals do). */
  let charge: DynamoDBClient;
  let otherCaller: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    faults = new DynamoDbFaults((request) =>
      /Credential=charge\//.test(String(request.headers.authorization)) ? 'charge' : undefined,
    );
    edge = await startEdge({ services: [new DynamoDbProxy(dynamo.endpoint)], faults });
    const client = (accessKeyId: string) =>
      new DynamoDBClient({
        endpoint: edge.url,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey: 'test' },
      });
    charge = client('charge');
    otherCaller = client('otherCaller');
    await otherCaller.send(
      new CreateTableCommand({
        TableName: 'faults-test',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }, 30_000);
  afterAll(async () => {
    charge.destroy();
    otherCaller.destroy();
    await edge.close();
    await dynamo.stop();
  });
  afterEach(() => faults.clear());

  const put = (key: string, n: number) =>
    otherCaller.send(new PutItemCommand({ TableName: 'faults-test', Item: { PK: { S: key }, n: { N: String(n) } } }));
  const update = (client: DynamoDBClient, key: string, n: number) =>
    client.send(
      new UpdateItemCommand({
        TableName: 'faults-test',
        Key: { PK: { S: key } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: String(n) } },
      }),
    );
  const numberAt = async (key: string) =>
    (
      await otherCaller.send(
        new GetItemCommand({ TableName: 'faults-test', Key: { PK: { S: key } }, ConsistentRead: true }),
      )
    ).Item?.n?.N;

  it('fails a call of one function on keys with a prefix, every SDK attempt of it, and leaves the item as it was', async () => {
    expect.assertions(5);
    await put('IDEMPOTENCY#a', 1);
    faults.inject({ function: 'charge', operation: 'UpdateItem', keyBeginsWith: { PK: 'IDEMPOTENCY#' }, failNext: 1 });

    await update(charge, 'IDEMPOTENCY#a', 2).catch((error: Error & { $metadata: { attempts?: number } }) => {
      expect(error.name).toBe('InternalServerError');
      // The SDK retried the 5xx; each attempt of the one call failed, and the fault counted one call.
      expect(error.$metadata.attempts).toBeGreaterThan(1);
    });

    expect(await numberAt('IDEMPOTENCY#a')).toBe('1');
    expect(faults.list()).toEqual([expect.objectContaining({ failNext: 0, failed: 1 })]);
    // The next call is a new one: the counter is used up, so it goes through.
    await update(charge, 'IDEMPOTENCY#a', 3);
    expect(await numberAt('IDEMPOTENCY#a')).toBe('3');
  });

  it('passes the calls it does not match: another caller, another key, another operation', async () => {
    await put('IDEMPOTENCY#b', 1);
    await put('ORDER#b', 1);
    faults.inject({
      function: 'charge',
      operation: 'UpdateItem',
      keyBeginsWith: { PK: 'IDEMPOTENCY#' },
      probability: 1,
    });

    await update(otherCaller, 'IDEMPOTENCY#b', 2);
    await update(charge, 'ORDER#b', 2);
    await charge.send(new DeleteItemCommand({ TableName: 'faults-test', Key: { PK: { S: 'ORDER#b' } } }));

    expect(await numberAt('IDEMPOTENCY#b')).toBe('2');
    expect(await numberAt('ORDER#b')).toBeUndefined();
    expect(faults.list()).toEqual([expect.objectContaining({ failed: 0 })]);
  });

  it('after: DynamoDB Local makes the write and the caller gets the error, as when an answer is lost', async () => {
    expect.assertions(2);
    await put('IDEMPOTENCY#c', 1);
    faults.inject({
      table: 'faults-test',
      operation: 'UpdateItem',
      failNext: 1,
      when: 'after',
      errorType: 'ProvisionedThroughputExceededException',
    });

    await update(charge, 'IDEMPOTENCY#c', 2).catch((error: Error) => {
      expect(error.name).toBe('ProvisionedThroughputExceededException');
    });

    expect(await numberAt('IDEMPOTENCY#c')).toBe('2');
  });
});
