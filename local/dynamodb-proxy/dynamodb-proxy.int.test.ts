import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { startEdge, type RunningEdge } from '../edge/server';
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
