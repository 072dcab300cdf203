import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import {
  RECONCILED_STATUSES,
  reannounceRecentEnds,
  reconcileStaleOrders,
  resumeSaga,
  retryParkedOrder,
} from './reconciler';
import type {
  OrderCreatedAnnouncer,
  OrderStatusAnnouncer,
  RecentOrderFinder,
  SagaRunner,
  StaleOrder,
  StaleOrderFinder,
} from './reconciler';

/**
 * Executions by name: 'RUNNING' or 'DONE'. As Step Functions does, start refuses the name of an ended execution and
 * answers a running one's (same name and input) as if it had started it.
 */
class FakeRunner implements SagaRunner {
  readonly executions = new Map<string, 'RUNNING' | 'DONE'>();
  async start(executionName: string): Promise<'started' | 'exists'> {
    if (this.executions.get(executionName) === 'RUNNING') return 'started';
    if (this.executions.has(executionName)) return 'exists';
    this.executions.set(executionName, 'RUNNING');
    return 'started';
  }
  async isRunning(executionName: string): Promise<boolean> {
    return this.executions.get(executionName) === 'RUNNING';
  }
}

class FakeFinder implements StaleOrderFinder {
  readonly asked: OrderStatus[] = [];
  constructor(private readonly orders: readonly StaleOrder[]) {}
  async findStale(status: OrderStatus, createdBefore: string): Promise<StaleOrder[]> {
    this.asked.push(status);
    return this.orders.filter((order) => order.status === status && order.createdAt < createdBefore);
  }
}

/** Records each announcement with the executions that existed at that moment. */
class FakeAnnouncer implements OrderCreatedAnnouncer {
  readonly announced: { orderId: string; executions: string[] }[] = [];
  constructor(private readonly runner?: FakeRunner) {}
  async announceCreated(orderId: string): Promise<void> {
    this.announced.push({ orderId, executions: [...(this.runner?.executions.keys() ?? [])] });
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const stale = (orderId: string, status: OrderStatus, createdAt = '2026-01-01T00:00:00.000Z'): StaleOrder => ({
  orderId,
  status,
  createdAt,
  updatedAt: createdAt,
});
const pass = (finder: StaleOrderFinder, runner: SagaRunner, announcer: OrderCreatedAnnouncer = new FakeAnnouncer()) =>
  reconcileStaleOrders({
    finder,
    runner,
    announcer,
    log: silent,
    now: () => new Date('2026-01-01T00:10:00.000Z'),
    staleAfterMs: 60_000,
    maxAttempts: 3,
    limitPerStatus: 10,
  });

describe('resumeSaga', () => {
  it('starts <orderId>-r1 when the first execution has ended', async () => {
    // prepare
    const runner = new FakeRunner();
    runner.executions.set('O1', 'DONE');
    // act
    const outcome = await resumeSaga(runner, 'O1', 3);
    // assess
    expect(outcome).toEqual({ outcome: 'resumed', executionName: 'O1-r1', attempt: 1 });
  });

  it("starts the order's own name when no saga was ever started for it (order.created was lost)", async () => {
    // prepare
    const runner = new FakeRunner();
    // act
    const outcome = await resumeSaga(runner, 'O1', 3);
    // assess
    expect([outcome, [...runner.executions.keys()]]).toEqual([
      { outcome: 'resumed', executionName: 'O1', attempt: 0 },
      ['O1'],
    ]);
  });

  it('takes the next unused attempt number when earlier resumed executions have ended', async () => {
    // prepare
    const runner = new FakeRunner();
    runner.executions.set('O1', 'DONE');
    runner.executions.set('O1-r1', 'DONE');
    runner.executions.set('O1-r2', 'DONE');
    // act
    const outcome = await resumeSaga(runner, 'O1', 3);
    // assess
    expect(outcome).toEqual({ outcome: 'resumed', executionName: 'O1-r3', attempt: 3 });
  });

  it('starts nothing while a resumed execution of the order is still running', async () => {
    // prepare
    const runner = new FakeRunner();
    runner.executions.set('O1', 'DONE');
    runner.executions.set('O1-r1', 'RUNNING');
    // act
    const outcome = await resumeSaga(runner, 'O1', 3);
    // assess
    expect([outcome, runner.executions.size]).toEqual([{ outcome: 'in-progress', executionName: 'O1-r1' }, 2]);
  });

  it('starts nothing while the first execution is still running', async () => {
    // prepare
    const runner = new FakeRunner();
    runner.executions.set('O1', 'RUNNING');
    // act
    const outcome = await resumeSaga(runner, 'O1', 3);
    // assess
    expect([outcome.outcome, runner.executions.size]).toEqual(['in-progress', 1]);
  });

  it('gives up once every allowed attempt name is used', async () => {
    // prepare
    const runner = new FakeRunner();
    for (const name of ['O1', 'O1-r1', 'O1-r2']) runner.executions.set(name, 'DONE');
    // act
    const outcome = await resumeSaga(runner, 'O1', 2);
    // assess
    expect(outcome).toEqual({ outcome: 'exhausted', attempts: 2 });
  });
});

describe('reconcileStaleOrders', () => {
  it('never asks for parked or terminal orders', async () => {
    // prepare
    const finder = new FakeFinder([]);
    // act
    await pass(finder, new FakeRunner());
    // assess
    expect(finder.asked).toEqual(RECONCILED_STATUSES);
    expect(finder.asked).not.toEqual(expect.arrayContaining(['NEEDS_ATTENTION']));
  });

  it('resumes every stale order once, and a second pass starts nothing while they run', async () => {
    // prepare
    const finder = new FakeFinder([stale('A', 'PENDING'), stale('B', 'PAYMENT_CAPTURED'), stale('C', 'COMPENSATING')]);
    const runner = new FakeRunner();
    for (const name of ['A', 'B', 'C']) runner.executions.set(name, 'DONE');
    // act
    const first = await pass(finder, runner);
    const second = await pass(finder, runner);
    // assess
    expect([first.resumed, second.resumed, second.inProgress, [...runner.executions.keys()].sort()]).toEqual([
      3,
      0,
      3,
      ['A', 'A-r1', 'B', 'B-r1', 'C', 'C-r1'],
    ]);
  });

  it('publishes order.created again for each PENDING order it resumes, after starting its saga, and for no other status', async () => {
    // prepare: A's saga was never started, B's ended in PENDING, C is past PENDING, D's saga still runs
    const runner = new FakeRunner();
    runner.executions.set('B', 'DONE');
    runner.executions.set('C', 'DONE');
    runner.executions.set('D', 'RUNNING');
    const announcer = new FakeAnnouncer(runner);
    const finder = new FakeFinder([
      stale('A', 'PENDING'),
      stale('B', 'PENDING'),
      stale('C', 'VALIDATED'),
      stale('D', 'PENDING'),
    ]);
    // act
    const report = await pass(finder, runner, announcer);
    // assess
    expect([report.resumed, report.announced, announcer.announced]).toEqual([
      3,
      2,
      [
        { orderId: 'A', executions: ['B', 'C', 'D', 'A'] },
        { orderId: 'B', executions: ['B', 'C', 'D', 'A', 'B-r1'] },
      ],
    ]);
  });

  it('keeps a resumed saga when order.created cannot be published again, and counts no announcement', async () => {
    // prepare
    const runner = new FakeRunner();
    const refusing: OrderCreatedAnnouncer = { announceCreated: () => Promise.reject(new Error('bus and table down')) };
    // act
    const report = await pass(new FakeFinder([stale('A', 'PENDING')]), runner, refusing);
    // assess
    expect([report.resumed, report.announced, report.failed, [...runner.executions.keys()]]).toEqual([1, 0, 0, ['A']]);
  });

  it('leaves an order younger than the threshold to its first saga', async () => {
    // prepare
    const finder = new FakeFinder([stale('young', 'PENDING', '2026-01-01T00:09:30.000Z')]);
    const runner = new FakeRunner();
    // act
    const report = await pass(finder, runner);
    // assess
    expect([report.examined, runner.executions.size]).toEqual([0, 0]);
  });

  it('counts a runner failure for the next pass and goes on with the other orders', async () => {
    // prepare
    const runner = new FakeRunner();
    const failing: SagaRunner = {
      start: (name, orderId) => (orderId === 'A' ? Promise.reject(new Error('unreachable')) : runner.start(name)),
      isRunning: (name) => runner.isRunning(name),
    };
    // act
    const report = await pass(new FakeFinder([stale('A', 'PENDING'), stale('B', 'PENDING')]), failing);
    // assess
    expect([report.failed, report.resumed]).toEqual([1, 1]);
  });

  it('takes up no further order once its time budget is spent, and says so', async () => {
    // prepare: every resumption takes 10 s of the clock; the budget is 15 s
    let clock = Date.parse('2026-01-01T00:10:00.000Z');
    const runner = new FakeRunner();
    const slow: SagaRunner = {
      start: async (name) => {
        clock += 10_000;
        return runner.start(name);
      },
      isRunning: (name) => runner.isRunning(name),
    };
    // act
    const report = await reconcileStaleOrders({
      finder: new FakeFinder([stale('A', 'PENDING'), stale('B', 'PENDING'), stale('C', 'PENDING')]),
      runner: slow,
      announcer: new FakeAnnouncer(),
      log: silent,
      now: () => new Date(clock),
      staleAfterMs: 60_000,
      maxAttempts: 3,
      limitPerStatus: 10,
      budgetMs: 15_000,
    });
    // assess
    expect([report.resumed, report.outOfTime, [...runner.executions.keys()]]).toEqual([2, true, ['A', 'B']]);
  });
});

describe('retryParkedOrder', () => {
  const orders = (status: OrderStatus) => ({
    getOrder: async (orderId: string) => ({ orderId, status }) as unknown as Order,
  });

  it('resumes a NEEDS_ATTENTION order under a new execution name', async () => {
    // prepare: a parked order's first saga ran
    const runner = new FakeRunner();
    runner.executions.set('P1', 'DONE');
    // act
    const answer = await retryParkedOrder({ orders: orders('NEEDS_ATTENTION'), runner }, 'P1');
    // assess
    expect(answer).toEqual({ executionName: 'P1-r1' });
  });

  it('refuses an order that is not parked with 409 ORDER_NOT_PARKED and starts nothing', async () => {
    // prepare
    expect.assertions(2);
    const runner = new FakeRunner();
    // act
    await retryParkedOrder({ orders: orders('CONFIRMED'), runner }, 'P2').catch(
      (error: { code: string; httpStatus: number }) => {
        // assess
        expect([error.code, error.httpStatus]).toEqual(['ORDER_NOT_PARKED', 409]);
      },
    );
    expect(runner.executions.size).toBe(0);
  });

  it('answers 404 for an order that does not exist', async () => {
    // prepare
    expect.assertions(1);
    // act
    await retryParkedOrder({ orders: { getOrder: async () => undefined }, runner: new FakeRunner() }, 'P3').catch(
      (error: { httpStatus: number }) => {
        // assess
        expect(error.httpStatus).toBe(404);
      },
    );
  });
});

describe('reannounceRecentEnds (the local start-up pass)', () => {
  const orders = [
    stale('old-confirmed', 'CONFIRMED', '2026-01-01T00:00:00.000Z'),
    stale('new-confirmed', 'CONFIRMED', '2026-01-01T00:09:00.000Z'),
    stale('new-failed', 'FAILED', '2026-01-01T00:09:30.000Z'),
    stale('new-parked', 'NEEDS_ATTENTION', '2026-01-01T00:09:40.000Z'),
    stale('new-pending', 'PENDING', '2026-01-01T00:09:50.000Z'),
    stale('new-compensating', 'COMPENSATING', '2026-01-01T00:09:50.000Z'),
  ];
  const finder: RecentOrderFinder = {
    findCreatedAfter: async (status, createdAfter) =>
      orders.filter((order) => order.status === status && order.createdAt > createdAfter),
  };
  const now = () => new Date('2026-01-01T00:10:00.000Z');

  it('publishes again the status event of every order created within the window that ended, and of no other', async () => {
    const announced: string[] = [];
    const announcer: OrderStatusAnnouncer = { announceStatus: async (orderId) => void announced.push(orderId) };

    const report = await reannounceRecentEnds({ finder, announcer, log: silent, now }, 5 * 60_000, 100);

    expect(announced.sort()).toEqual(['new-confirmed', 'new-failed', 'new-parked']);
    expect(report).toEqual({ announced: 3, failed: 0, outOfTime: false });
  });

  it('stops at its time budget and says so', async () => {
    let clock = Date.parse('2026-01-01T00:10:00.000Z');
    const announced: string[] = [];
    const slow: OrderStatusAnnouncer = {
      announceStatus: async (orderId) => {
        announced.push(orderId);
        clock += 1_000;
      },
    };

    const report = await reannounceRecentEnds(
      { finder, announcer: slow, log: silent, now: () => new Date(clock) },
      5 * 60_000,
      100,
      1_500,
    );

    expect(report).toEqual({ announced: 2, failed: 0, outOfTime: true });
    expect(announced).toHaveLength(2);
  });

  it('counts an announcement the bus and the table both refused and goes on with the others', async () => {
    const announcer: OrderStatusAnnouncer = {
      announceStatus: async (orderId) => {
        if (orderId === 'new-failed') throw new Error('bus and table down');
      },
    };

    expect(await reannounceRecentEnds({ finder, announcer, log: silent, now }, 5 * 60_000, 100)).toEqual({
      announced: 2,
      failed: 1,
      outOfTime: false,
    });
  });
});
