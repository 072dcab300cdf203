import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { controlPlaneRoute } from '../control/control-plane';
import { type RunningEdge, startEdge } from '../edge/server';
import type { EdgeRequest } from '../edge/types';
import { LocalSqs } from '../sqs/local-sqs';
import { LocalStepFunctions } from '../stepfunctions/local-step-functions';
import { meterEdgeCall } from './edge-call';
import { MeteredLocalLambda, meteredQueueReader, stateMachineCounts } from './metered-services';
import { LocalMetrics } from './metrics';

const request = (
  service: string,
  action: string | undefined,
  body: unknown,
  more: Partial<EdgeRequest> = {},
): Pick<EdgeRequest, 'service' | 'action' | 'method' | 'path' | 'body' | 'headers'> => ({
  service,
  action,
  method: 'POST',
  path: '/',
  headers: {},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  ...more,
});

const put = (pk: string) => ({ Put: { TableName: 't', Item: { PK: { S: pk }, SK: { S: 'ORDER' } } } });

describe('meterEdgeCall', () => {
  it('counts every item of a TransactWriteItems, each written twice', () => {
    // act
    const call = meterEdgeCall(
      request('dynamodb', 'TransactWriteItems', { TransactItems: [put('a'), put('b'), put('c')] }),
    );
    // assess
    expect(call).toMatchObject({ operation: 'TransactWriteItems', items: 3, writeUnits: 6 });
  });

  it('charges a Put one write unit per started KB of its item', () => {
    // prepare
    const item = { PK: { S: 'a' }, blob: { S: 'x'.repeat(2_500) } };
    // act
    const call = meterEdgeCall(request('dynamodb', 'PutItem', { TableName: 't', Item: item }));
    // assess
    expect(call?.writeUnits).toBe(3);
  });

  it('charges half a read unit for an eventually consistent read and one for a strongly consistent one', () => {
    // act
    const eventual = meterEdgeCall(request('dynamodb', 'GetItem', { TableName: 't', Key: {} }));
    const strong = meterEdgeCall(
      request('dynamodb', 'BatchGetItem', { RequestItems: { t: { Keys: [{}, {}], ConsistentRead: true } } }),
    );
    // assess
    expect([eventual?.readUnits, strong?.readUnits, strong?.items]).toEqual([0.5, 2, 2]);
  });

  it('names the operations of calls that carry no X-Amz-Target', () => {
    // act
    const invoke = meterEdgeCall(
      request('lambda', undefined, '{}', { path: '/2015-03-31/functions/send-email/invocations' }),
    );
    const query = meterEdgeCall(
      request('sqs', undefined, 'Action=SendMessage&MessageBody=hi', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    // assess
    expect([invoke?.operation, query?.operation]).toEqual(['Invoke', 'SendMessage']);
  });

  it('counts nothing for a path that is not an AWS call', () => {
    // act and assess
    expect(meterEdgeCall({ ...request('x', undefined, ''), service: undefined })).toBeUndefined();
  });
});

describe('LocalMetrics', () => {
  it('counts an event published a second time with the same bus, source, detail-type and detail', () => {
    // prepare
    const metrics = new LocalMetrics();
    const entry = { EventBusName: 'orders', Source: 'shop', DetailType: 'order.created', Detail: '{"id":"1"}' };
    // act
    metrics.observeEdgeRequest(request('events', 'PutEvents', { Entries: [entry] }));
    metrics.observeEdgeRequest(
      request('events', 'PutEvents', { Entries: [entry, { ...entry, Detail: '{"id":"2"}' }] }),
    );
    // assess
    expect(metrics.snapshot().events).toMatchObject({ published: 3, republished: 1 });
  });

  it('replaces the estimated units of a DynamoDB call with the units DynamoDB reported for table and indexes', () => {
    // prepare
    const metrics = new LocalMetrics();
    const update = request('dynamodb', 'UpdateItem', { TableName: 't', Key: { PK: { S: 'a' } } });
    metrics.observeEdgeRequest(update);
    metrics.observeEdgeRequest(update);
    // act: the second update moved a GSI key (2 units there) and rewrote two projecting indexes
    metrics.recordConsumedCapacity('UpdateItem', update.body, { writeUnits: 5, readUnits: 0 });
    // assess: 1 estimated for the first (it reported nothing: a refused condition), 5 reported for the second
    expect(metrics.snapshot().operations).toEqual([
      expect.objectContaining({ operation: 'UpdateItem', calls: 2, writeUnits: 6, readUnits: 0 }),
    ]);
  });

  it('keeps the estimate of a read DynamoDB Local reports as free (AWS bills half a unit at least)', () => {
    // prepare
    const metrics = new LocalMetrics();
    const query = request('dynamodb', 'Query', { TableName: 't', IndexName: 'GSI1' });
    metrics.observeEdgeRequest(query);
    // act
    metrics.recordConsumedCapacity('Query', query.body, { writeUnits: 0, readUnits: 0 });
    // assess
    expect(metrics.snapshot().operations).toEqual([expect.objectContaining({ operation: 'Query', readUnits: 0.5 })]);
  });

  it('hands out the body of the next call to an operation, for a benchmark to replay', async () => {
    // prepare
    const metrics = new LocalMetrics();
    const next = metrics.nextRequestBody('dynamodb', 'TransactWriteItems');
    const body = { TransactItems: [put('a')] };
    // act
    metrics.observeEdgeRequest(request('dynamodb', 'GetItem', {}));
    metrics.observeEdgeRequest(request('dynamodb', 'TransactWriteItems', body));
    // assess
    expect(JSON.parse((await next).toString('utf8'))).toEqual(body);
  });
});

describe('the call counter on the edge', () => {
  let edge: RunningEdge;
  let metrics: LocalMetrics;

  beforeEach(async () => {
    metrics = new LocalMetrics();
    const sqs = new LocalSqs({ region: 'us-east-1' });
    sqs.createQueue('q');
    edge = await startEdge({
      services: [sqs],
      observe: (call) => metrics.observeEdgeRequest(call),
      extraRoutes: [
        controlPlaneRoute({
          functions: {
            listFunctions: () => [],
            injectFault: () => undefined,
            clearFaults: () => undefined,
            listFaults: () => [],
          },
          queues: sqs,
          emails: { emails: () => [] },
          metrics,
          reset: async () => undefined,
        }),
      ],
    });
    sqs.setBaseUrl(edge.url);
  });
  afterEach(() => edge.close());

  it('counts an SDK call through the edge and answers the count at GET /_local/metrics', async () => {
    // prepare
    const client = new SQSClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    // act
    await client.send(new SendMessageCommand({ QueueUrl: `${edge.url}/000000000000/q`, MessageBody: 'hi' }));
    client.destroy();
    const answer = (await (await fetch(`${edge.url}/_local/metrics`)).json()) as {
      operations: { service: string; operation: string; origin: string; calls: number }[];
    };
    // assess
    expect(answer.operations).toEqual([
      expect.objectContaining({ service: 'sqs', operation: 'SendMessage', origin: 'edge', calls: 1 }),
    ]);
  });
});

describe('calls the cloud makes itself', () => {
  it('counts each invocation with its function, memory and outcome, a timeout as one', async () => {
    // prepare
    const metrics = new LocalMetrics();
    const lambda = new MeteredLocalLambda({ region: 'us-east-1', baseEnvironment: {} }, metrics);
    lambda.register({ name: 'quick', memoryMb: 256, handler: async () => 'ok' });
    lambda.register({ name: 'stuck', timeoutSeconds: 1, handler: () => new Promise(() => undefined) });
    // act
    await lambda.invoke('quick', {});
    await lambda.invoke('stuck', {});
    await lambda.stop();
    // assess
    expect(metrics.snapshot().functions).toEqual([
      expect.objectContaining({ function: 'quick', memoryMb: 256, invocations: 1, errors: 0, timeouts: 0 }),
      expect.objectContaining({ function: 'stuck', memoryMb: 128, invocations: 1, errors: 1, timeouts: 1 }),
    ]);
  });

  it('counts a receive that got messages and each delete of an event source mapping, not an empty receive', async () => {
    // prepare
    const metrics = new LocalMetrics();
    const sqs = new LocalSqs({ region: 'us-east-1' });
    sqs.createQueue('q');
    await sqs.sendMessage('q', 'hi');
    const reader = meteredQueueReader(sqs, metrics);
    // act
    const [message] = await reader.receive('q', { maxNumberOfMessages: 10 });
    await reader.receive('q', { maxNumberOfMessages: 10 });
    await reader.deleteMessage('q', message?.receiptHandle ?? '');
    // assess
    expect(metrics.snapshot().operations.map((entry) => [entry.origin, entry.operation, entry.calls])).toEqual([
      ['internal', 'ReceiveMessage', 1],
      ['internal', 'DeleteMessage', 1],
    ]);
  });

  it("counts a Standard execution's transitions: one per state entered", async () => {
    // prepare
    const engine = new LocalStepFunctions({ invoke: async () => ({ result: {} }), timeScale: 0.01 });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'two-passes',
      definition: JSON.stringify({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } },
      }),
    });
    // act
    const { executionArn } = engine.startExecution(stateMachineArn, '{}');
    await engine.waitForExecution(executionArn);
    // assess
    expect(stateMachineCounts(engine)).toEqual([
      expect.objectContaining({ stateMachine: 'two-passes', type: 'STANDARD', executions: 1, transitions: 2 }),
    ]);
  });
});
