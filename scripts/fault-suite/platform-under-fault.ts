/**
 * The fault suite's harness (issue 15): the whole platform as a user runs it, `npm start` with DATA_DIR in its own
 * process group, so a scenario can kill it with SIGKILL (every process at once: npm, tsx, the local cloud, the API,
 * DynamoDB Local's JVM) and start it again on the same data. Orders go in through the API at a steady rate; what
 * became of them is read back through the platform's own interfaces: the API (orders, products), the edge's control
 * plane (captured mail), S3 and DynamoDB through the edge (receipts, payment ledger). The figures the issue asks for
 * come out of `assessOrders`.
 *
 * Loopback only, bounded: the platform listens on 127.0.0.1, the load has a fixed rate and length, and every
 * process this file starts is stopped by its process group, also when a scenario fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { physicalName, queues } from '../../core/platform/resources';
import { receiptKey } from '../../core/receipts/receipt-pdf';
import { DynamoPaymentLedger } from '../../core/store/dynamo-payment-ledger';
import { FUNCTION_IDEMPOTENCY_PARTITION } from '../../core/store/keys';
import { LOCAL_PREFIX } from '../local-platform/cloud';

const ROOT = resolve(__dirname, '../..');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

export class FaultSuitePlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSuitePlatformError';
  }
}

const freePort = (): Promise<number> =>
  new Promise((answer, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => answer(port));
    });
  });

/**
 * The API and edge ports of a scenario: FAULT_SUITE_PORT_BASE + offset and + offset + 1 when set (a shared machine
 * hands out port ranges), else free ports.
 */
export const scenarioPorts = async (offset: number): Promise<{ port: number; edgePort: number }> => {
  const base = Number(process.env.FAULT_SUITE_PORT_BASE);
  if (Number.isInteger(base) && base > 0) return { port: base + offset, edgePort: base + offset + 1 };
  return { port: await freePort(), edgePort: await freePort() };
};

export interface PlatformSettings {
  readonly dataDir: string;
  readonly port: number;
  readonly edgePort: number;
}

export interface RunningPlatform {
  readonly pid: number;
  readonly apiUrl: string;
  readonly edgeUrl: string;
  /** The lines npm start printed (the banner; its logs go to DATA_DIR/logs/platform.log). */
  readonly output: string[];
  readonly exited: Promise<void>;
}

/** A directory for DATA_DIR, and an empty one for DASHBOARD_DIR (see startPlatform). */
export const scratchDirectories = (): { dataDir: string; dashboardDir: string; remove: () => void } => {
  const root = mkdtempSync(join(tmpdir(), 'fault-suite-'));
  const dashboardDir = mkdtempSync(join(root, 'dashboard-'));
  // FAULT_SUITE_KEEP=1 keeps DATA_DIR (the platform's log is in DATA_DIR/logs) to look into a failed run.
  const remove = () => {
    if (process.env.FAULT_SUITE_KEEP === '1') process.stdout.write(`fault suite: DATA_DIR kept at ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  };
  return { dataDir: join(root, 'data'), dashboardDir, remove };
};

/**
 * `DATA_DIR=… PORT=… EDGE_PORT=… npm start`, as the README has it, in a process group of its own; answers once the
 * ready banner is printed. DASHBOARD_DIR names an empty directory so a checkout without ui/dist does not build the
 * dashboard first (a minute of vite on a loaded runner that no scenario needs).
 */
export const startPlatform = async (
  settings: PlatformSettings & { readonly dashboardDir: string },
): Promise<RunningPlatform> =>
  // A loaded runner can make npm start give up on its own 30 s waits (DynamoDB Local, the API's /health) and stop
  // cleanly; a user would run it again, and so does the suite, once.
  startPlatformOnce(settings).catch((error: unknown) => {
    process.stdout.write(`fault suite: npm start failed once, starting it again (${(error as Error).message})\n`);
    return startPlatformOnce(settings);
  });

const startPlatformOnce = async (
  settings: PlatformSettings & { readonly dashboardDir: string },
): Promise<RunningPlatform> => {
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: settings.dataDir,
      PORT: String(settings.port),
      EDGE_PORT: String(settings.edgePort),
      DASHBOARD_DIR: settings.dashboardDir,
      LOG_LEVEL: '',
      POWERTOOLS_LOG_LEVEL: '',
      LOCAL_CLOUD_LOG_LEVEL: '',
    },
  });
  if (child.pid === undefined) throw new FaultSuitePlatformError('npm start could not be spawned');
  const output: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const group = child.pid;
  started.add(group);
  void exited.then(() => {
    if (processGroupMembers(group).length === 0) started.delete(group);
  });
  const platform: RunningPlatform = {
    pid: child.pid,
    apiUrl: `http://127.0.0.1:${settings.port}`,
    edgeUrl: `http://127.0.0.1:${settings.edgePort}`,
    output,
    exited,
  };
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(
        () => fail(new FaultSuitePlatformError(`npm start printed no ready banner in 300 s:\n${output.join('\n')}`)),
        300_000,
      );
      const read = (chunk: Buffer): void => {
        for (const line of chunk.toString().split('\n')) {
          if (line.trim() === '') continue;
          output.push(line);
          if (line.startsWith('platform ready')) {
            clearTimeout(timer);
            ready();
          }
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      void exited.then(() => {
        clearTimeout(timer);
        fail(new FaultSuitePlatformError(`npm start exited before it was ready:\n${output.join('\n')}`));
      });
    });
  } catch (error) {
    await killPlatform(platform);
    throw error;
  }
  return platform;
};

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(-pid, name);
  } catch {
    // the group is gone already
  }
};

/** PIDs of the live processes of a process group (Linux /proc). */
export const processGroupMembers = (pgid: number): { pid: number; command: string }[] => {
  const members: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
      members.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return members;
};

/** Process groups of every npm start this module spawned that may still have a process. */
const started = new Set<number>();

/** SIGKILL to every process group this module started and did not see end: the scenarios' afterAll, whatever failed. */
export const killEverythingStarted = async (): Promise<void> => {
  for (const group of started) {
    signal(group, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (processGroupMembers(group).length > 0 && Date.now() < deadline)
      await new Promise((wake) => setTimeout(wake, 100));
    started.delete(group);
  }
};

/** kill -9 of the whole process group, as a crash or a power cut would stop it; answers when none is left. */
export const killPlatform = async (platform: RunningPlatform): Promise<void> => {
  signal(platform.pid, 'SIGKILL');
  await platform.exited;
  const deadline = Date.now() + 10_000;
  while (processGroupMembers(platform.pid).length > 0 && Date.now() < deadline) {
    signal(platform.pid, 'SIGKILL');
    await new Promise((wake) => setTimeout(wake, 100));
  }
};

/** Ctrl-C's path (SIGTERM to the group), then SIGKILL for what is left after 10 s. */
export const stopPlatform = async (platform: RunningPlatform | undefined): Promise<void> => {
  if (platform === undefined) return;
  signal(platform.pid, 'SIGTERM');
  await Promise.race([platform.exited, new Promise((wake) => setTimeout(wake, 10_000).unref())]);
  await killPlatform(platform);
};

/** An ID token of a demo user, signed in through the local Cognito with the password of this start. */
export const signIn = async (platform: RunningPlatform, username: string): Promise<string> => {
  const users = (await (await fetch(`${platform.edgeUrl}/_local/users`)).json()) as {
    userPoolClientId: string;
    users: { username: string; password: string }[];
  };
  const user = users.users.find((candidate) => candidate.username === username);
  if (user === undefined) throw new FaultSuitePlatformError(`no demo user ${username}`);
  const cognito = new CognitoIdentityProviderClient({ endpoint: platform.edgeUrl, region, credentials });
  try {
    const answer = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: users.userPoolClientId,
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    const token = answer.AuthenticationResult?.IdToken;
    if (token === undefined) throw new FaultSuitePlatformError(`signing ${username} in gave no token`);
    return token;
  } finally {
    cognito.destroy();
  }
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A read as a careful client makes it: a 503 (a dependency still warming up) is asked again, up to 20 times, 1 s apart. */
const readRetrying = async (url: string, init: RequestInit): Promise<Response> => {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt >= 20) return response;
    await response.body?.cancel();
    await new Promise((wake) => setTimeout(wake, 1000));
  }
};

/** Creates (or replaces) a product through the admin API, so a scenario knows its initial stock. */
export const putProduct = async (
  platform: RunningPlatform,
  adminToken: string,
  productId: string,
  stock: number,
): Promise<void> => {
  const response = await readRetrying(`${platform.apiUrl}/api/products/${productId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...bearer(adminToken) },
    body: JSON.stringify({ name: `Fault suite ${productId}`, price: 700, currency: 'EUR', stock }),
  });
  if (response.status !== 200)
    throw new FaultSuitePlatformError(`PUT /api/products/${productId}: ${response.status} ${await response.text()}`);
};

export const stockOf = async (platform: RunningPlatform, token: string, productId: string): Promise<number> => {
  for (let cursor: string | undefined, pages = 0; pages < 50; pages += 1) {
    const url = `${platform.apiUrl}/api/products${cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`}`;
    const page = (await (await readRetrying(url, { headers: bearer(token) })).json()) as {
      items: { productId: string; stock: number }[];
      nextCursor: string | null;
    };
    const found = page.items.find((item) => item.productId === productId);
    if (found !== undefined) return found.stock;
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  throw new FaultSuitePlatformError(`product ${productId} is not in the catalog`);
};

export interface PlacedOrder {
  /** The HTTP status, or 0 when the connection failed (the platform was down). */
  readonly status: number;
  readonly retryAfter?: string;
  readonly code?: string;
  readonly orderId?: string;
  readonly productId: string;
  readonly quantity: number;
  readonly paymentToken: string;
}

export interface OrderLoad {
  readonly productId: string;
  readonly tokens: readonly string[];
  readonly perSecond: number;
  readonly seconds: number;
  /** Told of every answer as it arrives (a scenario times its fault by them). */
  readonly onAnswer?: (order: PlacedOrder) => void;
}

/**
 * Places orders at a steady rate for a fixed time, each with a fresh Idempotency-Key: mostly `tok_visa`, every
 * fifth declined (`tok_chargeDeclined`) so the compensations run under the fault too. Answers every attempt; a
 * request the platform never answered has status 0. Requests in flight are awaited (bounded by a 60 s timeout: a
 * loaded runner answers an order in seconds).
 */
export const placeOrders = async (platform: RunningPlatform, load: OrderLoad): Promise<PlacedOrder[]> => {
  const inFlight: Promise<PlacedOrder>[] = [];
  const started = Date.now();
  const total = load.perSecond * load.seconds;
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / load.perSecond;
    if (due > Date.now()) await new Promise((wake) => setTimeout(wake, due - Date.now()));
    const quantity = 1 + (index % 2);
    const paymentToken = index % 5 === 4 ? 'tok_chargeDeclined' : 'tok_visa';
    const token = load.tokens[index % load.tokens.length];
    inFlight.push(
      fetch(`${platform.apiUrl}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': ulid(), ...bearer(token) },
        body: JSON.stringify({ items: [{ productId: load.productId, quantity }], paymentToken }),
        signal: AbortSignal.timeout(60_000),
      })
        .then(
          async (response) => {
            const body = (await response.json().catch(() => ({}))) as { orderId?: string; error?: { code?: string } };
            return {
              status: response.status,
              ...(response.headers.get('retry-after') === null
                ? {}
                : { retryAfter: response.headers.get('retry-after') as string }),
              ...(body.error?.code === undefined ? {} : { code: body.error.code }),
              ...(body.orderId === undefined ? {} : { orderId: body.orderId }),
              productId: load.productId,
              quantity,
              paymentToken,
            };
          },
          () => ({ status: 0, productId: load.productId, quantity, paymentToken }),
        )
        .then((order) => {
          load.onAnswer?.(order);
          return order;
        }),
    );
  }
  return Promise.all(inFlight);
};

/**
 * Every order in the platform, paged through GET /api/orders as the admin. A scenario's platform is its own, so
 * these are the scenario's orders, including any the platform created while the client never saw its 201.
 */
export const allOrders = async (
  platform: RunningPlatform,
  adminToken: string,
): Promise<{ orderId: string; status: string; lines: { productId: string; quantity: number }[] }[]> => {
  const orders: { orderId: string; status: string; lines: { productId: string; quantity: number }[] }[] = [];
  for (let cursor: string | undefined, pages = 0; pages < 100; pages += 1) {
    const query = `limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await readRetrying(`${platform.apiUrl}/api/orders?${query}`, { headers: bearer(adminToken) });
    if (response.status !== 200)
      throw new FaultSuitePlatformError(`GET /api/orders: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items: typeof orders; nextCursor: string | null };
    orders.push(...page.items);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return orders;
};

export interface OrderState {
  readonly orderId: string;
  readonly status: string;
}

const TERMINAL = new Set(['CONFIRMED', 'FAILED']);

/**
 * Polls until every order is CONFIRMED or FAILED or `withinMs` passed; answers the last states and the
 * milliseconds it took (undefined when they never all got there).
 */
export const waitForTerminal = async (
  platform: RunningPlatform,
  adminToken: string,
  orderIds: readonly string[],
  withinMs: number,
): Promise<{ states: OrderState[]; tookMs?: number }> => {
  const began = Date.now();
  // One paged admin list per poll (its reads retry a 503, e.g. the token keys still being fetched after a restart),
  // every second, to keep the load the suite adds small.
  for (;;) {
    const known = new Map(
      (await allOrders(platform, adminToken).catch(() => [])).map((order) => [order.orderId, order.status]),
    );
    const states = orderIds.map((orderId) => ({ orderId, status: known.get(orderId) ?? 'UNREADABLE' }));
    if (states.every((state) => TERMINAL.has(state.status))) return { states, tookMs: Date.now() - began };
    if (Date.now() - began > withinMs) return { states };
    await new Promise((wake) => setTimeout(wake, 1000));
  }
};

interface CapturedMail {
  readonly messageId: string;
  readonly subject: string;
  readonly sentAt: string;
}

const mails = async (platform: RunningPlatform): Promise<CapturedMail[]> =>
  ((await (await fetch(`${platform.edgeUrl}/_local/emails`)).json()) as { emails: CapturedMail[] }).emails;

/** One outcome email the local SES captured: when (epoch ms) and its SES message id. */
export interface SentEmail {
  readonly at: number;
  readonly messageId: string;
}

/** The outcome emails (confirmed or failed) the local SES captured for each order, by subject; oldest first. */
export const emailsOfOrders = async (
  platform: RunningPlatform,
  orderIds: readonly string[],
): Promise<SentEmail[][]> => {
  const captured = await mails(platform);
  return orderIds.map((orderId) =>
    captured
      .filter((mail) => mail.subject.includes(orderId))
      .map((mail) => ({ at: Date.parse(mail.sentAt), messageId: mail.messageId }))
      .sort((a, b) => a.at - b.at),
  );
};

/** How many outcome emails (confirmed or failed) the local SES captured for each order, by its subject. */
export const emailsPerOrder = async (platform: RunningPlatform, orderIds: readonly string[]): Promise<number[]> =>
  (await emailsOfOrders(platform, orderIds)).map((sent) => sent.length);

/** One of send-email's Powertools idempotency records, read from the table: its status and the email it kept. */
export interface EmailIdempotencyRecord {
  readonly status: string;
  readonly subject?: string;
  readonly messageId?: string;
}

/** send-email's idempotency records (one per event it handled), through the edge. */
export const sendEmailIdempotencyRecords = async (platform: RunningPlatform): Promise<EmailIdempotencyRecord[]> => {
  const { dynamo } = clients(platform);
  const documents = DynamoDBDocumentClient.from(dynamo);
  const records: EmailIdempotencyRecord[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: physicalName(LOCAL_PREFIX, 'orders'),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': FUNCTION_IDEMPOTENCY_PARTITION, ':prefix': 'send-email#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const kept = item.idempotencyData as { email?: { subject?: string; messageId?: string } } | undefined;
        records.push({
          status: String(item.idempotencyStatus),
          ...(kept?.email?.subject === undefined ? {} : { subject: kept.email.subject }),
          ...(kept?.email?.messageId === undefined ? {} : { messageId: kept.email.messageId }),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return records;
  } finally {
    dynamo.destroy();
  }
};

const clients = (platform: RunningPlatform) => ({
  s3: new S3Client({ endpoint: platform.edgeUrl, region, credentials, forcePathStyle: true }),
  dynamo: new DynamoDBClient({ endpoint: platform.edgeUrl, region, credentials }),
});

export interface FaultFigures {
  readonly placed: number;
  /** 201 Created. */
  readonly accepted: number;
  /** 503 with Retry-After (allowed during an outage). */
  readonly unavailable503: number;
  /** Any other 5xx (never allowed). */
  readonly other5xx: number;
  /** No answer at all (the platform was down). */
  readonly noAnswer: number;
  /** Orders the platform created whose 201 the client never got (the connection died with the platform). */
  readonly createdUnacknowledged: number;
  readonly unacknowledgedNotTerminal: number;
  readonly terminal: number;
  readonly confirmed: number;
  readonly failed: number;
  /** Accepted orders not CONFIRMED or FAILED, by status. */
  readonly stuck: Readonly<Record<string, number>>;
  /** |stock - (initial - confirmed quantities)|, 0 when exact. */
  readonly stockMismatch: number;
  /** Captures of orders that are not CONFIRMED and not refunded, confirmed orders without exactly one capture, holds left on terminal orders. */
  readonly paymentMismatches: number;
  /** Confirmed orders by how many outcome emails they got: e.g. { "1": 30 } is exactly one each. */
  readonly emailsPerConfirmed: Readonly<Record<string, number>>;
  readonly emailsPerFailed: Readonly<Record<string, number>>;
  readonly confirmedWithoutReceipt: number;
  /** Seconds from the restart (or the end of the fault) until every accepted order was terminal; null if never. */
  readonly secondsToTerminal: number | null;
}

const histogram = (values: readonly (number | string)[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
};

/**
 * The issue's invariants over the orders a scenario placed: statuses, stock, payments, mail and receipts, read
 * through the running platform.
 */
export const assessOrders = async (
  platform: RunningPlatform,
  adminToken: string,
  input: {
    readonly placed: readonly PlacedOrder[];
    readonly states: readonly OrderState[];
    readonly productId: string;
    readonly initialStock: number;
    readonly secondsToTerminal: number | null;
  },
): Promise<FaultFigures> => {
  const accepted = input.placed.filter((order) => order.status === 201 && order.orderId !== undefined);
  const statusOf = new Map(input.states.map((state) => [state.orderId, state.status]));
  const confirmed = accepted.filter((order) => statusOf.get(order.orderId as string) === 'CONFIRMED');
  const failed = accepted.filter((order) => statusOf.get(order.orderId as string) === 'FAILED');
  const stuck = histogram(
    accepted
      .map((order) => statusOf.get(order.orderId as string) ?? 'UNREADABLE')
      .filter((status) => !TERMINAL.has(status)),
  );
  // Stock and payments over every order the platform holds: one whose 201 was lost with the connection counts too.
  const everyOrder = await allOrders(platform, adminToken);
  const confirmedUnits = everyOrder
    .filter((order) => order.status === 'CONFIRMED')
    .flatMap((order) => order.lines)
    .filter((line) => line.productId === input.productId)
    .reduce((sum, line) => sum + line.quantity, 0);
  const expectedStock = input.initialStock - confirmedUnits;
  const stock = await stockOf(platform, adminToken, input.productId);
  const acceptedIds = new Set(accepted.map((order) => order.orderId));
  const unacknowledged = everyOrder.filter((order) => !acceptedIds.has(order.orderId));

  const { s3, dynamo } = clients(platform);
  try {
    const ledger = new DynamoPaymentLedger(DynamoDBDocumentClient.from(dynamo), physicalName(LOCAL_PREFIX, 'orders'));
    let paymentMismatches = 0;
    for (const order of everyOrder) {
      const payments = await ledger.paymentsOfOrder(order.orderId);
      const captures = payments.filter((payment) => payment.status === 'CAPTURED').length;
      const holds = payments.filter((payment) => payment.status === 'AUTHORIZED').length;
      const status = order.status;
      if (status === 'CONFIRMED') paymentMismatches += captures === 1 ? 0 : 1;
      else paymentMismatches += captures;
      if (TERMINAL.has(status ?? '')) paymentMismatches += holds;
    }
    const bucket = physicalName(LOCAL_PREFIX, 'receipts');
    let confirmedWithoutReceipt = 0;
    for (const order of confirmed) {
      const found = await s3
        .send(new HeadObjectCommand({ Bucket: bucket, Key: receiptKey(order.orderId as string) }))
        .then(
          () => true,
          () => false,
        );
      if (!found) confirmedWithoutReceipt += 1;
    }
    return {
      placed: input.placed.length,
      accepted: accepted.length,
      unavailable503: input.placed.filter((order) => order.status === 503 && order.retryAfter !== undefined).length,
      other5xx: input.placed.filter(
        (order) => order.status >= 500 && !(order.status === 503 && order.retryAfter !== undefined),
      ).length,
      noAnswer: input.placed.filter((order) => order.status === 0).length,
      createdUnacknowledged: unacknowledged.length,
      unacknowledgedNotTerminal: unacknowledged.filter((order) => !TERMINAL.has(order.status)).length,
      terminal: confirmed.length + failed.length,
      confirmed: confirmed.length,
      failed: failed.length,
      stuck,
      stockMismatch: Math.abs(stock - expectedStock),
      paymentMismatches,
      emailsPerConfirmed: histogram(
        await emailsPerOrder(
          platform,
          confirmed.map((order) => order.orderId as string),
        ),
      ),
      emailsPerFailed: histogram(
        await emailsPerOrder(
          platform,
          failed.map((order) => order.orderId as string),
        ),
      ),
      confirmedWithoutReceipt,
      secondsToTerminal: input.secondsToTerminal,
    };
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
};

/**
 * How long the effects may take after the orders ended: a message whose handler failed while a dependency was down is
 * delivered again only after its queue's visibility timeout (receipts 60 s, email 30 s), then handled; 30 s more.
 */
export const EFFECTS_WITHIN_MS =
  1000 *
    Math.max(
      ...queues
        .filter((queue) => queue.name === 'email' || queue.name === 'receipts')
        .map((q) => q.visibilityTimeoutSeconds),
    ) +
  30_000;

/** Waits until every confirmed order has its email and receipt and every failed one its email, or `withinMs` passed. */
export const waitForEffects = async (
  platform: RunningPlatform,
  states: readonly OrderState[],
  withinMs: number,
): Promise<void> => {
  const confirmed = states.filter((state) => state.status === 'CONFIRMED').map((state) => state.orderId);
  const terminal = states.filter((state) => TERMINAL.has(state.status)).map((state) => state.orderId);
  const { s3 } = clients(platform);
  const bucket = physicalName(LOCAL_PREFIX, 'receipts');
  const began = Date.now();
  const withReceipt = new Set<string>();
  try {
    for (;;) {
      const emailed = (await emailsPerOrder(platform, terminal)).every((count) => count >= 1);
      for (const orderId of confirmed.filter((candidate) => !withReceipt.has(candidate))) {
        const found = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: receiptKey(orderId) })).then(
          () => true,
          () => false,
        );
        if (found) withReceipt.add(orderId);
      }
      if ((emailed && withReceipt.size === confirmed.length) || Date.now() - began > withinMs) return;
      await new Promise((wake) => setTimeout(wake, 1000));
    }
  } finally {
    s3.destroy();
  }
};

/** One line per figure, for the test's output and the decision log. */
export const formatFigures = (scenario: string, figures: FaultFigures): string =>
  [
    `fault suite: ${scenario}`,
    ...Object.entries(figures).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
  ].join('\n');
