/**
 * Fault suite, scenario 2 (issue 15): DynamoDB Local's JVM stopped (SIGTERM, see JVM_STOP_SIGNAL) under a steady order
 * rate and kept down for about 10 s, in `npm start` with DATA_DIR as a user runs it. The local cloud's supervisor starts the JVM again on the same
 * data as soon as it dies; to hold the outage for the whole window, each JVM it brings back is stopped again (by its
 * PID, found in npm start's process group) as soon as /ready shows it serving. Meanwhile the API must answer 503
 * with Retry-After, never 500; /health stays 200 (liveness) while /ready says not ready; and once DynamoDB stays up
 * every order that got a 201 ends CONFIRMED or FAILED with stock, payments, mail and receipts exact.
 *
 * Longer than 20 s (41-56 s measured on 2 cores at a load average of 5-13): one start of the whole platform, 16 s of
 * load with the 10 s outage in it, JVM restarts, and the sagas (compensations ride out the outage) that finish the
 * orders with AWS retry timing.
 */
import {
  assessOrders,
  type FaultFigures,
  formatFigures,
  killEverythingStarted,
  placeOrders,
  processGroupMembers,
  putProduct,
  type RunningPlatform,
  scenarioPorts,
  scratchDirectories,
  signIn,
  startPlatform,
  stopPlatform,
  stockOf,
  EFFECTS_WITHIN_MS,
  waitForEffects,
  waitForTerminal,
} from './platform-under-fault';

jest.setTimeout(900_000);

const PRODUCT = 'fault-suite-outage';
const INITIAL_STOCK = 1000;
const LOAD = { perSecond: 5, seconds: 16 };
const OUTAGE_FROM_MS = 3000;
const OUTAGE_MS = 10_000;
/**
 * How the JVM is taken down: SIGTERM, which ends it at once but lets it finish what it acknowledged. DynamoDB Local
 * answers a TransactWriteItems up to ~10 ms before the write is on disk: under SIGKILL a probe lost 1 acknowledged
 * transaction in 2 of 4 runs (SIGTERM: 0 in 5), and this scenario then saw an order answered 201 and gone from the
 * table (decision 61). A DynamoDB outage in AWS loses nothing it acknowledged; the outage, not DynamoDB Local's
 * durability, is what this scenario tests. A JVM still alive 3 s after its SIGTERM gets SIGKILL (escalateStragglers):
 * a CI run once waited 60 s for /ready in vain, cause not established.
 */
const JVM_STOP_SIGNAL = 'SIGTERM';
/** Once the outage ends: how long the accepted orders have to become terminal (the reconciler's threshold is 60 s). */
const SETTLE_MS = 120_000;

interface OutageObservations {
  readonly kills: number;
  /** /health statuses sampled during the outage. */
  readonly health: number[];
  /** /ready statuses sampled while the JVM was down (from a kill until /ready answered 200 again). */
  readonly readyWhileDown: number[];
}

const statusOf = (url: string): Promise<number> =>
  fetch(url, { signal: AbortSignal.timeout(5000) }).then(
    (response) => response.status,
    () => 0,
  );

const dynamoDbJvms = (platform: RunningPlatform): number[] =>
  processGroupMembers(platform.pid)
    .filter((member) => member.command.includes('DynamoDBLocal'))
    .map((member) => member.pid);

/** A JVM that has not ended this long after its SIGTERM gets SIGKILL (then nothing it acknowledged is that recent). */
const SIGTERM_GRACE_MS = 3000;
/** When each JVM got its SIGTERM, and how many needed the SIGKILL after it. */
const terminated = new Map<number, number>();
let escalated = 0;

/** SIGKILL for the JVMs of the group still alive SIGTERM_GRACE_MS after their SIGTERM. */
const escalateStragglers = (platform: RunningPlatform): void => {
  for (const pid of dynamoDbJvms(platform)) {
    const since = terminated.get(pid);
    if (since === undefined || Date.now() - since < SIGTERM_GRACE_MS) continue;
    process.kill(pid, 'SIGKILL');
    terminated.delete(pid);
    escalated += 1;
  }
};

/** Stops DynamoDB Local whenever it serves, for OUTAGE_MS; samples /health and /ready meanwhile. */
const holdOutage = async (platform: RunningPlatform): Promise<OutageObservations> => {
  const observed = { kills: 0, health: [] as number[], readyWhileDown: [] as number[] };
  const ends = Date.now() + OUTAGE_MS;
  let down = false;
  while (Date.now() < ends) {
    const [health, ready] = await Promise.all([
      statusOf(`${platform.apiUrl}/health`),
      statusOf(`${platform.apiUrl}/ready`),
    ]);
    observed.health.push(health);
    if (down) observed.readyWhileDown.push(ready);
    if (ready === 200 || !down) {
      for (const pid of dynamoDbJvms(platform)) {
        process.kill(pid, JVM_STOP_SIGNAL);
        if (!terminated.has(pid)) terminated.set(pid, Date.now());
      }
      observed.kills += 1;
      down = true;
    }
    escalateStragglers(platform);
    await new Promise((wake) => setTimeout(wake, 250));
  }
  return observed;
};

const waitForReady = async (platform: RunningPlatform, withinMs: number): Promise<void> => {
  const deadline = Date.now() + withinMs;
  while ((await statusOf(`${platform.apiUrl}/ready`)) !== 200) {
    if (Date.now() > deadline) throw new Error(`/ready did not answer 200 within ${withinMs / 1000} s of the outage`);
    escalateStragglers(platform);
    await new Promise((wake) => setTimeout(wake, 250));
  }
};

const directories = scratchDirectories();
let platform: RunningPlatform | undefined;
let figures: FaultFigures;
let outage: OutageObservations;

beforeAll(async () => {
  // prepare: the platform with a product of known stock
  const ports = await scenarioPorts(2);
  const running = await startPlatform({
    ...ports,
    dataDir: directories.dataDir,
    dashboardDir: directories.dashboardDir,
  });
  platform = running;
  const admin = await signIn(running, 'admin');
  await putProduct(running, admin, PRODUCT, INITIAL_STOCK);
  const initialStock = await stockOf(running, admin, PRODUCT);
  const tokens = [await signIn(running, 'alice'), await signIn(running, 'bob')];

  // One order first, answered before the load: the API's cold paths (token keys, SDK clients) are warm.
  const warmUp = await placeOrders(running, { productId: PRODUCT, tokens, perSecond: 1, seconds: 1 });

  // act: a steady order rate with DynamoDB Local down for OUTAGE_MS in the middle of it
  const observing = new Promise<OutageObservations>((done) =>
    setTimeout(() => void holdOutage(running).then(done), OUTAGE_FROM_MS),
  );
  const placed = [...warmUp, ...(await placeOrders(running, { productId: PRODUCT, tokens, ...LOAD }))];
  outage = await observing;
  await waitForReady(running, 60_000);
  const accepted = placed.flatMap((order) => (order.status === 201 && order.orderId ? [order.orderId] : []));
  const { states, tookMs } = await waitForTerminal(running, admin, accepted, SETTLE_MS);
  await waitForEffects(running, states, EFFECTS_WITHIN_MS);

  // assess (below): the figures of this run
  figures = await assessOrders(running, admin, {
    placed,
    states,
    productId: PRODUCT,
    initialStock,
    secondsToTerminal: tookMs === undefined ? null : Math.round(tookMs / 100) / 10,
  });
  process.stdout.write(
    `${formatFigures('DynamoDB Local killed for 10 s under load', figures)}\n  jvmKills: ${outage.kills} (SIGKILL after an ignored SIGTERM: ${escalated})\n  readyWhileDown: ${JSON.stringify(outage.readyWhileDown)}\n`,
  );
});

afterAll(async () => {
  await stopPlatform(platform);
  await killEverythingStarted();
  directories.remove();
}, 60_000);

describe('DynamoDB Local killed for 10 s under a steady order rate', () => {
  it('answers no request with a 5xx other than 503 with Retry-After', () => {
    expect([figures.other5xx, figures.unavailable503 > 0]).toEqual([0, true]);
  });

  it('keeps /health at 200 throughout the outage', () => {
    expect(new Set(outage.health)).toEqual(new Set([200]));
  });

  it('reports not ready on /ready while DynamoDB Local is down', () => {
    expect(outage.readyWhileDown).toContain(503);
  });

  it('drives every accepted order to CONFIRMED or FAILED once DynamoDB is back', () => {
    expect([figures.stuck, figures.terminal]).toEqual([{}, figures.accepted]);
  });

  it('leaves the stock at the initial stock minus the confirmed quantities', () => {
    expect(figures.stockMismatch).toBe(0);
  });

  it('leaves every captured payment with a CONFIRMED order (one each) or refunded, and no hold on a finished order', () => {
    expect(figures.paymentMismatches).toBe(0);
  });

  it('sends exactly one email and makes one receipt per confirmed order, and sends one email per failed order', () => {
    // Orders by how many emails they got, other than exactly one: none.
    const notOne = (histogram: Readonly<Record<string, number>>) =>
      Object.entries(histogram).filter(([emails]) => emails !== '1');
    expect([
      notOne(figures.emailsPerConfirmed),
      figures.confirmedWithoutReceipt,
      notOne(figures.emailsPerFailed),
    ]).toEqual([[], 0, []]);
  });
});
