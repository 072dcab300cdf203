/**
 * What the metering proxy sends DynamoDB Local: the client's request with `ReturnConsumedCapacity: INDEXES` (spliced
 * into the text, or written again when the client asked for NONE), and the answer without the units it did not ask
 * for. An HTTP server stands in for DynamoDB Local and records the bodies it gets (the engine itself is exercised in
 * dynamodb-proxy.int.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbProxy, type ConsumedUnits } from './dynamodb-proxy';

describe('DynamoDbProxy metering', () => {
  let server: Server;
  let endpoint: string;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{"ConsumedCapacity":{"TableName":"t","CapacityUnits":2.0},"Attributes":{"pk":{"S":"a"}}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  const call = async (body: string) => {
    const reported: ConsumedUnits[] = [];
    const proxy = new DynamoDbProxy(endpoint, {
      onConsumedCapacity: (_operation, _body, units) => reported.push(units),
    });
    const answer = await proxy.handle({
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem', 'content-type': 'application/x-amz-json-1.0' },
      body: Buffer.from(body),
    });
    return { sent: received[0] ?? '', answer: JSON.parse(String(answer.body)) as unknown, reported };
  };

  it('splices the capacity request into a body that has none, keeping the client text, and strips the answer', async () => {
    const body = ' {"TableName":"t", "Item":{"pk":{"S":"a"}}}';

    const { sent, answer, reported } = await call(body);

    expect(sent).toBe(' {"ReturnConsumedCapacity":"INDEXES","TableName":"t", "Item":{"pk":{"S":"a"}}}');
    expect(answer).toEqual({ Attributes: { pk: { S: 'a' } } });
    expect(reported).toEqual([{ writeUnits: 2, readUnits: 0 }]);
  });

  it('asks for the capacity in an empty object', async () => {
    const { sent } = await call('{ }');

    expect(JSON.parse(sent)).toEqual({ ReturnConsumedCapacity: 'INDEXES' });
  });

  it('replaces a NONE the client asked for, so the body keeps one member of that name', async () => {
    const { sent, answer } = await call('{"TableName":"t","ReturnConsumedCapacity":"NONE"}');

    expect(sent.match(/ReturnConsumedCapacity/g)).toHaveLength(1);
    expect(JSON.parse(sent)).toEqual({ TableName: 't', ReturnConsumedCapacity: 'INDEXES' });
    expect(answer).toEqual({ Attributes: { pk: { S: 'a' } } });
  });

  it('sends a body that asked for TOTAL as it is and leaves the units in the answer', async () => {
    const body = '{"TableName":"t","ReturnConsumedCapacity":"TOTAL"}';

    const { sent, answer } = await call(body);

    expect(sent).toBe(body);
    expect(answer).toEqual({
      ConsumedCapacity: { TableName: 't', CapacityUnits: 2 },
      Attributes: { pk: { S: 'a' } },
    });
  });
});
