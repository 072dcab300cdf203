/**
 * Fault suite, scenario 1 (issue 15): `kill -9` of the whole platform under a steady order rate, then a restart on
 * the same DATA_DIR. `npm start` runs exactly as a user runs it (its own process group; SIGKILL to the group takes
 * npm, tsx, the local cloud, the API and DynamoDB Local's JVM at once, mid-request). Executions and queue contents
 * are lost with the process; the table, receipts and captured mail are kept. After the restart every order that got
 * a 201 must end CONFIRMED or FAILED within 60 s, with stock, payments, mail and receipts as if nothing happened,
 * except an email the kill cut short between SES and its record, which is sent again (decision 60).
 *
 * The reconciler runs as users get it: its pass at start-up (threshold 0, since no execution survives a local
 * restart) and its schedule; nothing is lowered for the test.
 *
 * Longer than 20 s (32-54 s measured on 2 cores at a load average of 5-13): two starts of the whole platform
 * (~10-20 s each), 8 s of load and the sagas of ~40 orders with AWS retry timing. The figures are printed for the
 * decision log.
 */
import {
  assessOrders,
  type FaultFigures,
  formatFigures,
  killEverythingStarted,
  killPlatform,
  placeOrders,
  putProduct,
  type RunningPlatform,
  scenarioPorts,
  scratchDirectories,
  signIn,
  startPlatform,
  stopPlatform,
  stockOf,
  EFFECTS_WITHIN_MS,
  emailsOfOrders,
  sendEmailIdempotencyRecords,
  type SentEmail,
  waitForEffects,
  waitForTerminal,
} from './platform-under-fault';

jest.setTimeout(900_000);

const PRODUCT = 'fault-suite-crash';
const INITIAL_STOCK = 1000;
/**
 * 5 orders/s for 8 s; the platform is killed 6.5 s in, or later once 15 orders were accepted (a loaded runner answers
 * the first orders slowly): some orders are mid-saga, some requests mid-flight.
 */
const LOAD = { perSecond: 5, seconds: 8 };
const KILL_AFTER_MS = 6500;
const KILL_AFTER_ACCEPTED = 15;
const TERMINAL_STATUSES = new Set(['CONFIRMED', 'FAILED']);

const directories = scratchDirectories();
let platform: RunningPlatform | undefined;
let figures: FaultFigures;
/** Orders whose email count is not one, other than a send the kill cut short and the restart made again. */
let emailsNotOne: { orderId: string; sentAt: string[]; records: number }[];
/** Orders with two emails that are a send the kill cut short (see resentAfterKill below). */
let resentAfterKill: number;

/**
 * SES takes no idempotency key (SendEmailRequest has none), so an email's send and the record that it was sent cannot
 * be one step: a kill between the two sends it again after the restart (decision 60). Such a pair is recognised by
 * what it leaves: the first email captured before the kill, the second after the restart, and for its event one
 * COMPLETED send-email idempotency record, which kept the second email's message id (the first attempt's record was
 * INPROGRESS when the kill came, and the redelivery took it over). A duplicate of any other origin (an event handled
 * twice under two keys, a record that was not kept) leaves two records, or one that names the first email.
 */
const cutShortByKill = (
  sent: readonly SentEmail[],
  records: readonly { status: string; messageId?: string }[],
  killedAt: number,
  restartBegan: number,
): boolean =>
  sent.length === 2 &&
  (sent[0] as SentEmail).at <= killedAt &&
  (sent[1] as SentEmail).at >= restartBegan &&
  records.length === 1 &&
  records[0]?.status === 'COMPLETED' &&
  records[0]?.messageId === (sent[1] as SentEmail).messageId;

beforeAll(async () => {
  const ports = await scenarioPorts(0);
  const settings = { ...ports, dataDir: directories.dataDir, dashboardDir: directories.dashboardDir };
  // prepare: the platform with a product of known stock
  const first = await startPlatform(settings);
  platform = first;
  const admin = await signIn(first, 'admin');
  await putProduct(first, admin, PRODUCT, INITIAL_STOCK);
  const initialStock = await stockOf(first, admin, PRODUCT);
  const tokens = [await signIn(first, 'alice'), await signIn(first, 'bob')];

  // One order first, answered before the load: the API's cold paths (token keys, SDK clients) are warm.
  const warmUp = await placeOrders(first, { productId: PRODUCT, tokens, perSecond: 1, seconds: 1 });

  // act: a steady order rate, and kill -9 of the whole process group in the middle of it
  let acceptedSoFar = 0;
  let loadDone = false;
  const loadStarted = Date.now();
  const load = placeOrders(first, {
    productId: PRODUCT,
    tokens,
    ...LOAD,
    onAnswer: (order) => {
      if (order.status === 201) acceptedSoFar += 1;
    },
  }).finally(() => {
    loadDone = true;
  });
  while (Date.now() - loadStarted < KILL_AFTER_MS || (acceptedSoFar < KILL_AFTER_ACCEPTED && !loadDone))
    await new Promise((wake) => setTimeout(wake, 100));
  await killPlatform(first);
  // Once every process of the group is gone: an email captured before the kill landed is earlier than this.
  const killedAt = Date.now();
  const placed = [...warmUp, ...(await load)];
  const restartBegan = Date.now();
  const second = await startPlatform(settings);
  platform = second;
  const restartedAt = Date.now();
  const adminAgain = await signIn(second, 'admin');
  const accepted = placed.flatMap((order) => (order.status === 201 && order.orderId ? [order.orderId] : []));
  const waitFrom = Date.now();
  const { states, tookMs } = await waitForTerminal(second, adminAgain, accepted, 60_000 - (waitFrom - restartedAt));
  await waitForEffects(second, states, EFFECTS_WITHIN_MS);

  // assess (below): the figures of this run
  figures = await assessOrders(second, adminAgain, {
    placed,
    states,
    productId: PRODUCT,
    initialStock,
    secondsToTerminal: tookMs === undefined ? null : Math.round((waitFrom - restartedAt + tookMs) / 100) / 10,
  });
  const terminalIds = states.filter((state) => TERMINAL_STATUSES.has(state.status)).map((state) => state.orderId);
  const sentPerOrder = await emailsOfOrders(second, terminalIds);
  const records = await sendEmailIdempotencyRecords(second);
  const recordsOf = (orderId: string) => records.filter((record) => record.subject?.includes(orderId) === true);
  const cutShort = terminalIds.map((orderId, index) =>
    cutShortByKill(sentPerOrder[index] ?? [], recordsOf(orderId), killedAt, restartBegan),
  );
  resentAfterKill = cutShort.filter(Boolean).length;
  emailsNotOne = terminalIds.flatMap((orderId, index) => {
    const sent = sentPerOrder[index] ?? [];
    return sent.length === 1 || cutShort[index]
      ? []
      : [
          {
            orderId,
            sentAt: sent.map((email) => new Date(email.at).toISOString()),
            records: recordsOf(orderId).length,
          },
        ];
  });
  process.stdout.write(
    `emails cut short by the kill and sent again after the restart: ${resentAfterKill} (kill at ${new Date(killedAt).toISOString()}; send-email idempotency records: ${records.filter((record) => record.status === 'COMPLETED').length} COMPLETED of ${records.length})\n`,
  );
  process.stdout.write(`${formatFigures('kill -9 of npm start under load, restart on the same DATA_DIR', figures)}\n`);
});

afterAll(async () => {
  await stopPlatform(platform);
  await killEverythingStarted();
  directories.remove();
}, 60_000);

describe('kill -9 of the whole platform under load, then a restart on the same DATA_DIR', () => {
  it('accepted orders before the kill and refused none with a 5xx', () => {
    expect([figures.accepted >= LOAD.perSecond * 3, figures.other5xx]).toEqual([true, 0]);
  });

  it('drives every accepted order to CONFIRMED or FAILED within 60 s of the restart', () => {
    expect([figures.stuck, figures.terminal]).toEqual([{}, figures.accepted]);
  });

  it('leaves the stock at the initial stock minus the confirmed quantities', () => {
    expect(figures.stockMismatch).toBe(0);
  });

  it('leaves every captured payment with a CONFIRMED order (one each) or refunded, and no hold on a finished order', () => {
    expect(figures.paymentMismatches).toBe(0);
  });

  it('sends one email per confirmed or failed order; a second only for a send the kill cut short', () => {
    // Orders with no email, or more than one other than a cut-short send (see cutShortByKill): none.
    expect(emailsNotOne).toEqual([]);
  });

  it('makes a receipt for every confirmed order', () => {
    expect(figures.confirmedWithoutReceipt).toBe(0);
  });
});
