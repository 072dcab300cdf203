import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalEventBridge, type DeliveryFailure } from './local-event-bridge';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('local EventBridge through the edge', () => {
  let edge: RunningEdge;
  let bridge: LocalEventBridge;
  let client: EventBridgeClient;
  const delivered: { arn: string; input: string }[] = [];
  const failures: DeliveryFailure[] = [];

  beforeAll(async () => {
    bridge = new LocalEventBridge({
      region: 'us-east-1',
      retryDelayMs: 1,
      onDeliveryError: (failure) => failures.push(failure),
      sink: {
        deliver: async (target) => {
          if (target.arn.endsWith(':broken')) throw new Error('target down');
          delivered.push({ arn: target.arn, input: target.input });
        },
      },
    });
    edge = await startEdge({ services: [bridge] });
    client = new EventBridgeClient({ endpoint: edge.url, region: 'us-east-1', credentials });
    await client.send(new CreateEventBusCommand({ Name: 'orders' }));
  });
  afterAll(async () => {
    bridge.stop();
    await edge.close();
  });
  beforeEach(() => {
    delivered.length = 0;
    failures.length = 0;
  });

  const event = (detail: unknown, overrides: Record<string, unknown> = {}) => ({
    Source: 'orders.platform',
    DetailType: 'order.created',
    Detail: JSON.stringify(detail),
    EventBusName: 'orders',
    ...overrides,
  });

  it('accepts valid entries and reports each invalid one with its error, counting failures', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          event({ orderId: '1' }),
          { DetailType: 'x', Detail: '{}', EventBusName: 'orders' },
          event({}, { DetailType: undefined }),
          event({}, { Detail: undefined }),
          event({}, { Detail: '[1,2]' }),
          event({}, { Detail: '{not json' }),
          event({}, { EventBusName: 'missing' }),
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(6);
    expect(answer.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.Entries?.slice(1).map((entry) => entry.ErrorCode)).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'NotFoundException',
    ]);
    expect(answer.Entries?.[1]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
  });

  it('rejects more than 10 entries and a request over 1 MB as a whole, in AWS words', async () => {
    expect.assertions(3);
    const eleven = Array.from({ length: 11 }, () => event({}));
    const huge = [event({ blob: 'x'.repeat(600 * 1024) }), event({ blob: 'y'.repeat(500 * 1024) })];

    await client
      .send(new PutEventsCommand({ Entries: eleven }))
      .catch((error: Error) => expect(error.name).toBe('ValidationException'));
    await client.send(new PutEventsCommand({ Entries: huge })).catch((error: Error) => {
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe('Total size of the entries in the request is over the limit.');
    });
  });

  it('accepts an event over the old 256 KB limit (AWS raised it to 1 MB in January 2026)', async () => {
    const answer = await client.send(new PutEventsCommand({ Entries: [event({ blob: 'x'.repeat(900 * 1024) })] }));

    expect(answer.FailedEntryCount).toBe(0);
  });

  it('delivers a matching event to each target with InputPath and InputTransformer, and skips non-matching ones', async () => {
    await client.send(
      new PutRuleCommand({
        Name: 'big-orders',
        EventBusName: 'orders',
        EventPattern: JSON.stringify({ source: ['orders.platform'], detail: { total: [{ numeric: ['>=', 100] }] } }),
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'big-orders',
        EventBusName: 'orders',
        Targets: [
          { Id: 'whole', Arn: 'arn:aws:sqs:us-east-1:000000000000:whole' },
          { Id: 'path', Arn: 'arn:aws:sqs:us-east-1:000000000000:path', InputPath: '$.detail' },
          {
            Id: 'transformed',
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:transformed',
            InputTransformer: {
              InputPathsMap: { id: '$.detail.orderId', total: '$.detail.total' },
              InputTemplate: '{"order": "<id>", "amount": <total>, "rule": "<aws.events.rule-name>"}',
            },
          },
        ],
      }),
    );

    const answer = await client.send(
      new PutEventsCommand({ Entries: [event({ orderId: 'o-1', total: 150 }), event({ orderId: 'o-2', total: 5 })] }),
    );
    await bridge.drain();

    expect(answer.FailedEntryCount).toBe(0);
    const byArn = new Map(
      delivered.map((item) => [item.arn.split(':').pop(), JSON.parse(item.input) as Record<string, unknown>]),
    );
    expect(delivered).toHaveLength(3);
    expect(byArn.get('whole')).toMatchObject({
      version: '0',
      source: 'orders.platform',
      'detail-type': 'order.created',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
      detail: { orderId: 'o-1', total: 150 },
    });
    expect(byArn.get('whole')?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(byArn.get('path')).toEqual({ orderId: 'o-1', total: 150 });
    expect(byArn.get('transformed')).toEqual({ order: 'o-1', amount: 150, rule: 'big-orders' });
    const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'big-orders', EventBusName: 'orders' }));
    expect(targets.Targets?.map((target) => target.Id)).toEqual(['whole', 'path', 'transformed']);
  });

  it('reports a target that keeps failing through the callback after its retries, without failing PutEvents', async () => {
    await client.send(
      new PutRuleCommand({
        Name: 'to-broken',
        EventBusName: 'orders',
        EventPattern: JSON.stringify({ 'detail-type': ['order.broken'] }),
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'to-broken',
        EventBusName: 'orders',
        Targets: [{ Id: 'b', Arn: 'arn:aws:sqs:us-east-1:000000000000:broken' }],
      }),
    );

    const answer = await client.send(new PutEventsCommand({ Entries: [event({}, { DetailType: 'order.broken' })] }));
    await bridge.drain();

    expect(answer.FailedEntryCount).toBe(0);
    expect(failures).toEqual([
      expect.objectContaining({
        targetId: 'b',
        attempts: 3,
        ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/orders/to-broken',
      }),
    ]);
  });

  it('rejects an invalid rule pattern with InvalidEventPatternException and keeps no rule', async () => {
    expect.assertions(2);

    await client
      .send(new PutRuleCommand({ Name: 'bad', EventBusName: 'orders', EventPattern: '{"source": "x"}' }))
      .catch((error: Error) => expect(error.name).toBe('InvalidEventPatternException'));
    await client
      .send(new DescribeRuleCommand({ Name: 'bad', EventBusName: 'orders' }))
      .catch((error: Error) => expect(error.name).toBe('ResourceNotFoundException'));
  });

  it('answers TestEventPattern true, false, and InvalidEventPatternException', async () => {
    expect.assertions(3);
    const sample = JSON.stringify({
      id: '1',
      account: '000000000000',
      source: 'orders.platform',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': 'order.created',
      detail: { total: 10 },
    });

    const yes = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"total":[{"numeric":["<",20]}]}}', Event: sample }),
    );
    const no = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"partner."}]}', Event: sample }),
    );
    await client
      .send(new TestEventPatternCommand({ EventPattern: '{"source":[{"numeric":[">",5,">",6]}]}', Event: sample }))
      .catch((error: Error) => expect(error.name).toBe('InvalidEventPatternException'));

    expect(yes.Result).toBe(true);
    expect(no.Result).toBe(false);
  });

  it('archives the bus events and replays them to the rules with replay-name', async () => {
    const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/orders';
    const archive = await client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: busArn, RetentionDays: 30 }),
    );
    await client.send(
      new PutRuleCommand({
        Name: 'replayed',
        EventBusName: 'orders',
        EventPattern: JSON.stringify({ 'detail-type': ['order.replayable'] }),
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'replayed',
        EventBusName: 'orders',
        Targets: [{ Id: 'r', Arn: 'arn:aws:sqs:us-east-1:000000000000:replayed' }],
      }),
    );
    const before = new Date(Date.now() - 1000);
    await client.send(
      new PutEventsCommand({
        Entries: [event({ n: 1 }, { DetailType: 'order.replayable' }), event({ n: 2 }, { DetailType: 'other' })],
      }),
    );
    await bridge.drain();
    delivered.length = 0;

    const described = await client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    await client.send(
      new StartReplayCommand({
        ReplayName: 'r1',
        EventSourceArn: archive.ArchiveArn,
        EventStartTime: before,
        EventEndTime: new Date(Date.now() + 1000),
        Destination: { Arn: busArn },
      }),
    );
    await bridge.drain();
    const replay = await client.send(new DescribeReplayCommand({ ReplayName: 'r1' }));

    expect(described.EventCount).toBe(2);
    expect(replay.State).toBe('COMPLETED');
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0]?.input ?? '{}')).toMatchObject({ 'replay-name': 'r1', detail: { n: 1 } });
  });

  it('answers an unknown action with UnknownOperationException', async () => {
    const response = await fetch(edge.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListPartnerEventSources', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
