import fc from 'fast-check';
import { WEBHOOK_DELIVERY_DEFAULTS } from '../platform/resources';
import { deliveryPolicy } from './delivery-policy';
import { EndpointCircuit, EndpointCircuits, HEALTHY, pausedUntil, presentHealth, probeAt } from './endpoint-health';
import type { EndpointHealth } from './endpoint-health';

const policy = deliveryPolicy(WEBHOOK_DELIVERY_DEFAULTS);
const START = Date.UTC(2026, 10, 21, 10, 0, 0);
let clock = START;

beforeEach(() => {
  clock = START;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
});
afterEach(() => jest.restoreAllMocks());

/** Runs one attempt that fails or succeeds; answers whether it was sent and whether it was the probe. */
const attempt = async (circuit: EndpointCircuit, ok: boolean): Promise<string> => {
  const run = await circuit.run(async (probe) => ({ failure: !ok, result: probe }));
  return run.ran ? (run.result ? 'probe' : 'sent') : 'paused';
};

describe("an endpoint's circuit (cockatiel ConsecutiveBreaker)", () => {
  it('opens after 5 consecutive failures and sends nothing while open', async () => {
    const circuit = EndpointCircuit.restore(policy, HEALTHY);
    const answers: string[] = [];
    for (const ok of [false, false, false, false, false, false, true]) answers.push(await attempt(circuit, ok));
    expect(answers).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'paused', 'paused']);
    expect(circuit.snapshot().breakerState).toBe(5);
  });

  it('forgets failures on a success: only consecutive ones count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { maxLength: 30 }), async (outcomes) => {
        const circuit = EndpointCircuit.restore(policy, HEALTHY);
        let run = 0;
        let opened = false;
        for (const ok of outcomes) {
          if (opened) break;
          await attempt(circuit, ok);
          run = ok ? 0 : run + 1;
          opened = run >= 5;
        }
        expect(circuit.snapshot().ownState.value === 1).toBe(opened);
      }),
    );
  });

  it('lets one probe through after the 1 min cool-down; a failed probe doubles it, a good one closes the circuit', async () => {
    const circuit = EndpointCircuit.restore(policy, HEALTHY);
    for (let i = 0; i < 5; i += 1) await attempt(circuit, false);
    clock += 59_000;
    const early = await attempt(circuit, true);
    clock += 1_000;
    const firstProbe = await attempt(circuit, false);
    clock += 60_000;
    const tooSoon = await attempt(circuit, true);
    clock += 60_000;
    const secondProbe = await attempt(circuit, true);
    const after = await attempt(circuit, false);
    expect([early, firstProbe, tooSoon, secondProbe, after]).toEqual(['paused', 'probe', 'paused', 'probe', 'sent']);
    expect(circuit.snapshot().breakerState).toBe(1);
  });

  it('caps the cool-down at 1 h however many probes fail', () => {
    const health = (attemptNo: number): EndpointHealth => ({
      version: 1,
      breaker: { ownState: { value: 1, openedAt: START, attemptNo }, breakerState: 5 },
    });
    expect([1, 2, 3, 6, 7, 20].map((n) => ((probeAt(policy, health(n)) ?? 0) - START) / 60_000)).toEqual([
      1, 2, 4, 32, 60, 60,
    ]);
  });
});

describe('the circuit shared through the table', () => {
  it("restores another instance's open circuit from its snapshot: the second instance pauses too", async () => {
    // prepare: instance A opens the circuit and "writes" version 1
    const a = new EndpointCircuits(policy);
    const circuitA = a.of('W1', HEALTHY);
    for (let i = 0; i < 5; i += 1) await attempt(circuitA, false);
    const written: EndpointHealth = { version: 1, breaker: circuitA.snapshot() };
    // act: instance B reads version 1
    const b = new EndpointCircuits(policy);
    const stale = b.of('W1', HEALTHY);
    const fresh = b.of('W1', written);
    // assess
    expect(await attempt(stale, true)).toBe('sent');
    expect(await attempt(fresh, true)).toBe('paused');
    expect(pausedUntil(policy, written, Date.now())).toBe(START + 60_000);
  });

  it('keeps its own breaker while the table holds the version it knows, and rebuilds on a newer one', () => {
    const circuits = new EndpointCircuits(policy);
    const first = circuits.of('W2', { version: 3 });
    expect(circuits.of('W2', { version: 3 })).toBe(first);
    expect(circuits.of('W2', { version: 4 })).not.toBe(first);
  });
});

describe("the owner's view", () => {
  it('says healthy, failing (closed with failures, or open until the probe) and disabled', () => {
    const open: EndpointHealth = {
      version: 2,
      breaker: { ownState: { value: 1, openedAt: START, attemptNo: 1 }, breakerState: 5 },
      lastError: 'HTTP 500',
      resumeAt: new Date(START + 60_000).toISOString(),
    };
    expect(presentHealth(HEALTHY, START)).toEqual({ status: 'healthy', circuit: 'closed', consecutiveFailures: 0 });
    expect(presentHealth({ version: 1, breaker: { ownState: { value: 0 }, breakerState: 2 } }, START)).toMatchObject({
      status: 'failing',
      circuit: 'closed',
      consecutiveFailures: 2,
    });
    expect(presentHealth(open, START)).toMatchObject({
      status: 'failing',
      circuit: 'open',
      nextAttemptAt: open.resumeAt,
      lastError: 'HTTP 500',
    });
    expect(presentHealth(open, START + 61_000)).toMatchObject({ circuit: 'half-open' });
    expect(presentHealth({ ...open, disabledAt: 'x', disabledReason: 'HTTP 410 Gone' }, START)).toMatchObject({
      status: 'disabled',
      disabledReason: 'HTTP 410 Gone',
    });
  });
});
