import { randomUUID } from 'node:crypto';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  paginateListEventSourceMappings,
} from '@aws-sdk/client-lambda';
import fc from 'fast-check';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalSqs } from '../sqs/local-sqs';
import { LocalLambda } from './local-lambda';
import { startSqsEventSource } from './sqs-event-source';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

describe('local event source mappings through the unmodified SDK v3 client', () => {
  let sqs: LocalSqs;
  let lambda: LocalLambda;
  let edge: RunningEdge;
  let client: LambdaClient;

  beforeEach(async () => {
    sqs = new LocalSqs({ region: 'us-east-1' });
    lambda = new LocalLambda({ region: 'us-east-1' });
    edge = await startEdge({ services: [sqs, lambda] });
    sqs.setBaseUrl(edge.url);
    client = new LambdaClient({ endpoint: edge.url, region: 'us-east-1', credentials });
    lambda.register({ name: 'send-email', handler: async () => undefined });
    lambda.register({ name: 'make-receipt', handler: async () => undefined });
    sqs.createQueue('email');
    sqs.createQueue('receipts');
  });
  afterEach(async () => {
    client.destroy();
    await lambda.stop();
    sqs.stop();
    await edge.close();
  });

  it('lists the running mappings in AWS shape, FunctionResponseTypes only where ReportBatchItemFailures is set', async () => {
    const startedAt = Date.now();
    const email = startSqsEventSource(sqs, lambda, {
      queue: 'email',
      functionName: 'send-email',
      batchSize: 5,
      reportBatchItemFailures: true,
    });
    const createdBy = Date.now();
    const receipts = startSqsEventSource(sqs, lambda, {
      queue: sqs.queueUrl('receipts'),
      functionName: `${ARN_PREFIX}make-receipt`,
      batchSize: 20,
      maximumBatchingWindowSeconds: 2,
    });

    const listed = await client.send(new ListEventSourceMappingsCommand({}));

    const byUuid = new Map(listed.EventSourceMappings?.map((m) => [m.UUID, m]));
    expect(listed.EventSourceMappings).toHaveLength(2);
    expect(listed.NextMarker).toBeUndefined();
    expect(byUuid.get(email.uuid)).toEqual({
      UUID: email.uuid,
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:email',
      FunctionArn: `${ARN_PREFIX}send-email`,
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      State: 'Enabled',
      LastModified: expect.any(Date),
      StateTransitionReason: 'USER_INITIATED',
    });
    expect(byUuid.get(receipts.uuid)).toMatchObject({
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:receipts',
      FunctionArn: `${ARN_PREFIX}make-receipt`,
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 2,
    });
    expect(byUuid.get(receipts.uuid)?.FunctionResponseTypes).toBeUndefined();
    // Bracketed by the clock readings around the start, not bounded by how long this machine took.
    expect(byUuid.get(email.uuid)?.LastModified?.getTime()).toBeGreaterThanOrEqual(startedAt);
    expect(byUuid.get(email.uuid)?.LastModified?.getTime()).toBeLessThanOrEqual(createdBy);
  });

  it('filters by FunctionName (name, partial ARN or ARN) and by EventSourceArn', async () => {
    const email = startSqsEventSource(sqs, lambda, { queue: 'email', functionName: 'send-email' });
    const receipts = startSqsEventSource(sqs, lambda, { queue: 'receipts', functionName: 'make-receipt' });
    const uuids = async (filter: { FunctionName?: string; EventSourceArn?: string }): Promise<(string | undefined)[]> =>
      ((await client.send(new ListEventSourceMappingsCommand(filter))).EventSourceMappings ?? []).map((m) => m.UUID);

    const byName = await uuids({ FunctionName: 'send-email' });
    const byPartialArn = await uuids({ FunctionName: 'function:send-email' });
    const byArn = await uuids({ FunctionName: `${ARN_PREFIX}make-receipt` });
    const byQueue = await uuids({ EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:receipts' });
    const byBoth = await uuids({
      FunctionName: 'send-email',
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:receipts',
    });
    const byUnknownFunction = await uuids({ FunctionName: 'nobody' });

    expect(byName).toEqual([email.uuid]);
    expect(byPartialArn).toEqual([email.uuid]);
    expect(byArn).toEqual([receipts.uuid]);
    expect(byQueue).toEqual([receipts.uuid]);
    expect(byBoth).toEqual([]);
    expect(byUnknownFunction).toEqual([]);
  });

  it('describes one mapping by its UUID', async () => {
    const email = startSqsEventSource(sqs, lambda, { queue: 'email', functionName: 'send-email', batchSize: 3 });

    const described = await client.send(new GetEventSourceMappingCommand({ UUID: email.uuid }));

    expect(described).toMatchObject({
      UUID: email.uuid,
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:email',
      FunctionArn: `${ARN_PREFIX}send-email`,
      BatchSize: 3,
      State: 'Enabled',
    });
  });

  it('answers an unknown UUID with ResourceNotFoundException (404)', async () => {
    expect.assertions(2);

    await client
      .send(new GetEventSourceMappingCommand({ UUID: randomUUID() }))
      .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => {
        expect(error.name).toBe('ResourceNotFoundException');
        expect(error.$metadata?.httpStatusCode).toBe(404);
      });
  });

  it('forgets a mapping once it stops, and every mapping once the Lambda service stops', async () => {
    const email = startSqsEventSource(sqs, lambda, { queue: 'email', functionName: 'send-email' });
    const receipts = startSqsEventSource(sqs, lambda, { queue: 'receipts', functionName: 'make-receipt' });

    await email.stop();
    const afterOne = (await client.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.map(
      (m) => m.UUID,
    );
    await lambda.stop();
    const afterAll = (await client.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings;

    expect(afterOne).toEqual([receipts.uuid]);
    expect(afterAll).toEqual([]);
  });

  it('rejects a MaxItems outside 1 to 10000 with InvalidParameterValueException', async () => {
    expect.assertions(1);

    await client
      .send(new ListEventSourceMappingsCommand({ MaxItems: 0 }))
      .catch((error: Error) => expect(error.name).toBe('InvalidParameterValueException'));
  });

  it('pages with MaxItems and NextMarker so that the SDK paginator sees every mapping exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 5 }), async (count, pageSize) => {
        // prepare: registry entries only, no pollers
        lambda.eventSourceMappings.clear();
        const uuids = Array.from({ length: count }, () => randomUUID());
        for (const uuid of uuids) {
          lambda.eventSourceMappings.add({
            uuid,
            eventSourceArn: sqs.queueArn('email'),
            functionArn: `${ARN_PREFIX}send-email`,
            batchSize: 10,
            maximumBatchingWindowSeconds: 0,
            reportBatchItemFailures: false,
            lastModified: new Date(),
          });
        }

        // act
        const seen: string[] = [];
        for await (const page of paginateListEventSourceMappings({ client, pageSize }, {})) {
          expect((page.EventSourceMappings ?? []).length).toBeLessThanOrEqual(pageSize);
          seen.push(...(page.EventSourceMappings ?? []).map((m) => String(m.UUID)));
        }

        // assess
        expect(seen.sort()).toEqual([...uuids].sort());
      }),
      { numRuns: 15 },
    );
  });
});
