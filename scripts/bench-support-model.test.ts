import type { MetricsSnapshot } from '@order-platform/local-cloud';
import fc from 'fast-check';
import {
  costPerMillionOrders,
  isSustained,
  judge,
  nextSaturationRate,
  openLoopArrivals,
  PRICES,
  scaleDifference,
  snapshotDifference,
  summarizeUsage,
  withoutBackground,
} from './bench-support-model';

const empty: MetricsSnapshot = {
  at: 0,
  operations: [],
  functions: [],
  stateMachines: [],
  xray: { segments: 0, traces: 0 },
  events: { published: 0, republished: 0, deliveries: {} },
};

const op = (service: string, operation: string, calls: number, extra: Partial<Record<string, number>> = {}) => ({
  service,
  operation,
  origin: 'edge' as const,
  calls,
  items: extra.items ?? calls,
  writeUnits: extra.writeUnits ?? 0,
  readUnits: extra.readUnits ?? 0,
});

describe('costPerMillionOrders', () => {
  it('prices one Standard transition per order at $25 per million orders', () => {
    // prepare
    const perOrder: MetricsSnapshot = {
      ...empty,
      stateMachines: [
        { stateMachine: 'saga', type: 'STANDARD', executions: 1, transitions: 1, durationMs: 0, billedDurationMs: 0 },
      ],
    };
    // act
    const { total } = costPerMillionOrders(perOrder);
    // assess
    expect(total).toBeCloseTo(25, 6);
  });

  it('prices Express by request and by 64 MB GB-seconds of the billed duration, not by transition', () => {
    // prepare: one execution of 1 s with 30 transitions
    const perOrder: MetricsSnapshot = {
      ...empty,
      stateMachines: [
        {
          stateMachine: 'saga',
          type: 'EXPRESS',
          executions: 1,
          transitions: 30,
          durationMs: 950,
          billedDurationMs: 1000,
        },
      ],
    };
    // act
    const { total } = costPerMillionOrders(perOrder);
    // assess: $1 per million requests + 1 s x 1/16 GB x $0.00001667 x 1e6
    expect(total).toBeCloseTo(1 + (1 / 16) * PRICES.expressGbSecond * 1_000_000, 6);
  });

  it('prices DynamoDB by request units, SQS by request, Lambda by request and GB-second, X-Ray by trace', () => {
    // prepare
    const perOrder: MetricsSnapshot = {
      ...empty,
      operations: [
        op('dynamodb', 'TransactWriteItems', 1, { items: 3, writeUnits: 6 }),
        op('dynamodb', 'GetItem', 2, { readUnits: 2 }),
        op('sqs', 'SendMessage', 3),
      ],
      functions: [{ function: 'f', memoryMb: 512, invocations: 2, durationMs: 2000, errors: 0, timeouts: 0 }],
      xray: { segments: 10, traces: 1 },
      events: { published: 2, republished: 0, deliveries: { sqs: 3 } },
    };
    // act
    const { total } = costPerMillionOrders(perOrder);
    // assess
    const expected =
      6 * 0.625 + 2 * 0.125 + 3 * 0.4 + 2 * 1 + 2 * 0.2 + 2 * 0.5 * PRICES.lambdaGbSecondArm * 1_000_000 + 1 * 5;
    expect(total).toBeCloseTo(expected, 6);
  });

  it('shows the SES emails but leaves them out of the total', () => {
    // prepare
    const perOrder: MetricsSnapshot = { ...empty, operations: [op('ses', 'SendEmail', 1)] };
    // act
    const { lines, total } = costPerMillionOrders(perOrder);
    // assess
    expect(lines.find((line) => line.item.startsWith('SES'))?.usdPerMillion).toBeCloseTo(100, 6);
    expect(total).toBe(0);
  });
});

describe('snapshotDifference, scaleDifference and withoutBackground', () => {
  it('answers what happened between two snapshots, per order', () => {
    // prepare
    const before: MetricsSnapshot = { ...empty, operations: [op('sqs', 'SendMessage', 5)] };
    const after: MetricsSnapshot = {
      ...empty,
      operations: [op('sqs', 'SendMessage', 9), op('dynamodb', 'PutItem', 2, { writeUnits: 2 })],
      events: { published: 4, republished: 1, deliveries: { sqs: 6 } },
    };
    // act
    const perOrder = scaleDifference(snapshotDifference(before, after), 1 / 2);
    // assess
    expect(perOrder.operations.map((entry) => [entry.operation, entry.calls])).toEqual([
      ['SendMessage', 2],
      ['PutItem', 1],
    ]);
    expect(perOrder.events).toEqual({ published: 2, republished: 0.5, deliveries: { sqs: 3 } });
  });

  it('subtracts the background rate times the seconds, never below zero', () => {
    // prepare
    const phase: MetricsSnapshot = { ...empty, operations: [op('dynamodb', 'Query', 10), op('sqs', 'SendMessage', 1)] };
    const perSecond: MetricsSnapshot = {
      ...empty,
      operations: [op('dynamodb', 'Query', 1), op('sqs', 'SendMessage', 1)],
    };
    // act
    const result = withoutBackground(phase, perSecond, 4);
    // assess
    expect(result.operations.map((entry) => entry.calls)).toEqual([6, 0]);
  });
});

describe('summarizeUsage', () => {
  it('counts Lambda invocations as calls once (not also the Invoke API call) and X-Ray apart', () => {
    // prepare
    const usage: MetricsSnapshot = {
      ...empty,
      operations: [
        op('dynamodb', 'TransactWriteItems', 1, { items: 3 }),
        op('dynamodb', 'UpdateItem', 2),
        op('dynamodb', 'GetItem', 4),
        op('lambda', 'Invoke', 1),
        op('xray', 'PutTraceSegments', 7),
      ],
      functions: [{ function: 'f', memoryMb: 128, invocations: 3, durationMs: 1, errors: 0, timeouts: 0 }],
    };
    // act
    const summary = summarizeUsage(usage);
    // assess
    expect(summary).toMatchObject({ dynamoDbWriteCalls: 3, dynamoDbWriteItems: 5, dynamoDbReadCalls: 4, awsCalls: 10 });
  });
});

describe('judge', () => {
  it('passes an at-most goal at the target and fails just above it, with the ratio to the target', () => {
    // prepare
    const goal = { name: 'writes', direction: 'at-most' as const, target: 12, unit: 'items' };
    // act
    const [at, above] = [judge(goal, 12), judge(goal, 42)];
    // assess
    expect([at.pass, above.pass]).toEqual([true, false]);
    expect(above.ratio).toBeCloseTo(3.5, 6);
  });

  it('passes an at-least goal only from the target up', () => {
    // prepare
    const goal = { name: 'saturation', direction: 'at-least' as const, target: 25, unit: 'orders/s' };
    // act and assess
    expect([judge(goal, 6).pass, judge(goal, 25).pass]).toEqual([false, true]);
  });

  it('fails a goal with no measurement', () => {
    // act
    const verdict = judge({ name: 'x', direction: 'at-most', target: 0, unit: '' }, Number.NaN);
    // assess
    expect(verdict.pass).toBe(false);
  });
});

describe('openLoopArrivals', () => {
  it('spaces rate x seconds arrivals evenly from 0, whatever answers come back', () => {
    // act
    const arrivals = openLoopArrivals(2, 3);
    // assess
    expect(arrivals).toEqual([0, 500, 1000, 1500, 2000, 2500]);
  });

  it('sends rate x seconds orders, all within the phase', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 30 }), (rate, seconds) => {
        const arrivals = openLoopArrivals(rate, seconds);
        expect(arrivals).toHaveLength(rate * seconds);
        expect(Math.max(...arrivals)).toBeLessThan(seconds * 1000);
      }),
    );
  });
});

describe('nextSaturationRate', () => {
  const options = { start: 4, factor: 1.5, max: 80, resolution: 0.15 };

  it('climbs by the factor while every step is sustained', () => {
    // act and assess
    expect(nextSaturationRate([{ rate: 10, sustained: true }], options)).toBe(15);
  });

  it('halves the gap after the first step that is not sustained, and stops within the resolution', () => {
    // act and assess
    expect(
      nextSaturationRate(
        [
          { rate: 10, sustained: true },
          { rate: 15, sustained: false },
        ],
        options,
      ),
    ).toBe(12.5);
    expect(
      nextSaturationRate(
        [
          { rate: 12, sustained: true },
          { rate: 13, sustained: false },
        ],
        options,
      ),
    ).toBeUndefined();
  });

  it('searches below the lowest rate tried when none was sustained', () => {
    // act and assess
    expect(nextSaturationRate([{ rate: 2, sustained: false }], options)).toBe(1);
  });
});

describe('isSustained', () => {
  const step = (latencies: number[]) => latencies.map((endToEndMs, index) => ({ sentAt: index * 100, endToEndMs }));

  it('holds for a slow but steady step', () => {
    // act and assess
    expect(isSustained(step([900, 1000, 950, 1100, 1000, 980]))).toBe(true);
  });

  it('fails when latency grows through the step (a backlog) or an order never finished', () => {
    // act and assess
    expect(isSustained(step([200, 250, 600, 900, 1500, 2100]))).toBe(false);
    expect(isSustained([{ sentAt: 0, endToEndMs: 100 }, { sentAt: 100 }])).toBe(false);
  });
});
