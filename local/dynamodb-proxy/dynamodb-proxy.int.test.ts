import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
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
