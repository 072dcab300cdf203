/**
 * `npm run test:e2e`: the dashboard end to end in Debian's headless chromium against the real platform.
 *
 * Starts `npm start` on PORT and EDGE_PORT when set, else on free ports, waits for its ready banner, reads the demo passwords from
 * the edge's /_local/users, runs the specs in order, saves screenshots to test-artifacts/e2e/ and stops the
 * platform (its whole process group, by PID) whatever happens. A spec fails on any console.error, uncaught page
 * error, HTTP error status (4xx/5xx) or failed request that it does not list as expected, each with its reason. The closing line is `N passed, N failed`; the exit code is 1 when anything failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, unexpectedProblems, watchProblems, type ExpectedProblem, type PageProblems } from './browser.ts';

class E2ePlatformStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2ePlatformStartError';
  }
}

class E2eAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'E2eAssertionError';
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url));
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const freePort = (): Promise<number> =>
  new Promise((answer, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => answer(port));
    });
  });

interface Platform {
  process: ChildProcess;
  apiUrl: string;
  edgeUrl: string;
  log: string[];
}

const startPlatform = async (): Promise<Platform> => {
  // PORT / EDGE_PORT when given (a shared machine hands out port ranges), else free ports.
  const [port, edgePort] = [
    Number(process.env.PORT) || (await freePort()),
    Number(process.env.EDGE_PORT) || (await freePort()),
  ];
  const log: string[] = [];
  // detached: its own process group, so the runner can stop npm, tsx, the API and DynamoDB Local together.
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), EDGE_PORT: String(edgePort) },
  });
  const platform = { process: child, apiUrl: `http://127.0.0.1:${port}`, edgeUrl: `http://127.0.0.1:${edgePort}`, log };
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () =>
        fail(
          new E2ePlatformStartError(`npm start printed no ready banner within 150 s:\n${log.slice(-20).join('\n')}`),
        ),
      150_000,
    );
    const read = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        log.push(line);
        if (
          line.startsWith('building the dashboard') ||
          line.startsWith('dashboard built') ||
          line.startsWith('platform ready')
        )
          say(`   ${line}`);
        if (line.startsWith('platform ready')) {
          clearTimeout(timer);
          ready();
        }
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(
        new E2ePlatformStartError(
          `npm start exited with code ${code} before it was ready:\n${log.slice(-20).join('\n')}`,
        ),
      );
    });
  });
  return platform;
};

const stopPlatform = async (platform: Platform): Promise<void> => {
  const pid = platform.process.pid;
  if (pid === undefined || platform.process.exitCode !== null) return;
  const exited = new Promise((done) => platform.process.once('exit', done));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise((done) => setTimeout(() => done(true), 10_000)),
  ]);
  if (timedOut) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
};

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new E2eAssertionError(message);
}

interface Context {
  browser: Browser;
  base: string;
  passwords: Record<string, string>;
  /** The orders the specs placed, shared between specs. */
  orders: Record<string, string>;
  /** Alice's loyalty points once her confirmed order earned them. */
  loyaltyPoints?: number;
  pages: Record<string, { page: Page; problems: PageProblems; context: BrowserContext }>;
}

const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
};

/** The browser page of a user an earlier spec signed in; a clear failure when that spec did not get that far. */
const signedIn = (ctx: Context, user: string): Context['pages'][string] => {
  const signed = ctx.pages[user];
  if (signed === undefined)
    throw new E2eAssertionError(`${user} has no signed-in page (an earlier spec failed before signing in)`);
  return signed;
};

const signIn = async (ctx: Context, user: string, viewport = { width: 1366, height: 900 }): Promise<Page> => {
  const context = await ctx.browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = watchProblems(page);
  ctx.pages[user] = { page, problems, context };
  await page.goto(`${ctx.base}/sign-in`);
  await page.getByTestId('local-users-hint').waitFor({ timeout: 10_000 });
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(ctx.passwords[user] ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor({ timeout: 15_000 });
  return page;
};

const placeOrder = async (page: Page, token: string): Promise<string> => {
  const product = page.getByLabel('Product');
  const firstInStock = await product.locator('option:not([disabled])').first().getAttribute('value');
  check(firstInStock, 'the product picker offers no product in stock');
  await product.selectOption(firstInStock);
  await page.getByLabel('Quantity').fill('1');
  await page.getByLabel('Payment token').selectOption(token);
  await page.getByRole('button', { name: 'Place order' }).click();
  const link = page.getByTestId('placed').getByRole('link');
  await link.waitFor({ timeout: 15_000 });
  const orderId = (await link.textContent())?.trim() ?? '';
  check(/^[0-9A-Z]{26}$/.test(orderId), `the placed order has no order id: ${orderId}`);
  return orderId;
};

const rowStatus = (page: Page, orderId: string, status: string) =>
  page.locator(`tr[data-order-id="${orderId}"] [data-status="${status}"]`);

const stepsOf = async (page: Page): Promise<{ step: string; kind: string; outcome: string }[]> =>
  page.locator('li.timeline__step').evaluateAll((items) =>
    items.map((item) => ({
      step: item.getAttribute('data-step') ?? '',
      kind: item.getAttribute('data-kind') ?? '',
      outcome: item.getAttribute('data-outcome') ?? '',
    })),
  );

/**
 * The dashboard closes its live stream (EventSource.close) when the user leaves a page that shows it; chromium
 * reports that request as aborted by the client. Only that: a stream the server dropped ends otherwise
 * (ERR_INCOMPLETE_CHUNKED_ENCODING, ERR_CONNECTION_RESET) and still fails the spec.
 */
const STREAM_CLOSED_ON_LEAVING: ExpectedProblem = {
  pattern: /^request failed: GET http:\/\/127\.0\.0\.1:\d+\/api\/stream\?access_token=<redacted>: net::ERR_ABORTED$/,
  reason: 'the page closes its live stream when the user navigates away',
};

/** A spec: its name, its steps, and the problems it expects (each with the reason), empty for most. */
type Spec = [string, (ctx: Context) => Promise<void>, ExpectedProblem[]?];

const specs: Spec[] = [
  [
    'alice signs in with Cognito',
    async (ctx) => {
      const page = await signIn(ctx, 'alice');
      const who = await page.getByTestId('signed-in-as').textContent();
      check(who?.trim() === 'alice', `signed in as ${who}`);
      check(
        (await page.getByRole('link', { name: 'Operations' }).count()) === 0,
        'alice sees the admin Operations link',
      );
      await shot(page, 'desktop-orders-signed-in');
    },
  ],
  [
    'a tok_visa order reaches CONFIRMED in the orders table live, without a reload',
    async (ctx) => {
      const { page } = signedIn(ctx, 'alice');
      await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = 1));
      const orderId = await placeOrder(page, 'tok_visa');
      ctx.orders.visa = orderId;
      await rowStatus(page, orderId, 'CONFIRMED').waitFor({ timeout: 30_000 });
      const marker = await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker);
      check(marker === 1, 'the page was reloaded while waiting for CONFIRMED');
      await shot(page, 'desktop-orders-confirmed-live');
    },
  ],
  [
    'alice sees the loyalty points her confirmed order earned, without a reload',
    async (ctx) => {
      const { page } = signedIn(ctx, 'alice');
      const entry = page.locator(`[data-testid="loyalty-entry"]:has(a[href="/orders/${ctx.orders.visa}"])`);
      await entry.waitFor({ timeout: 20_000 });
      ctx.loyaltyPoints = Number(await page.getByTestId('loyalty-points').textContent());
      check(ctx.loyaltyPoints > 0, `alice has ${ctx.loyaltyPoints} loyalty points after a confirmed order`);
      check((await entry.getAttribute('data-state')) === 'AWARDED', 'the order is not shown as awarded');
      await shot(page, 'desktop-orders-loyalty');
    },
  ],
  [
    'the confirmed order page draws its saga timeline step by step',
    async (ctx) => {
      const { page } = signedIn(ctx, 'alice');
      await page.getByTestId('placed').getByRole('link').click();
      await page.getByRole('heading', { name: 'Saga timeline' }).waitFor();
      await page.locator('li.timeline__step[data-step="ConfirmOrder"]').waitFor({ timeout: 15_000 });
      const steps = await stepsOf(page);
      const names = steps.map((s) => s.step);
      check(
        JSON.stringify(names) ===
          JSON.stringify(['PlaceOrder', 'ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ConfirmOrder']),
        `timeline steps ${names.join(', ')}`,
      );
      check(
        steps.every((s) => s.kind === 'forward'),
        `a confirmed order shows non-forward steps: ${JSON.stringify(steps)}`,
      );
      check(
        (await page.getByTestId('order-status').textContent()) === 'CONFIRMED',
        'the summary does not say CONFIRMED',
      );
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    'the receipt link opens a PDF',
    async (ctx) => {
      const { page, context } = signedIn(ctx, 'alice');
      const link = page.getByTestId('receipt-link');
      await link.waitFor({ timeout: 20_000 });
      const href = await link.getAttribute('href');
      check(href, 'the receipt link has no href');
      const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await popup.close();
      const answer = await context.request.get(href);
      const body = await answer.body();
      check(answer.ok(), `the receipt answered ${answer.status()}`);
      check(
        (answer.headers()['content-type'] ?? '').startsWith('application/pdf'),
        `the receipt is ${answer.headers()['content-type']}`,
      );
      check(body.subarray(0, 4).toString('latin1') === '%PDF', 'the receipt does not start with %PDF');
      await page
        .locator('.activity')
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      await page
        .locator('.waterfall__row')
        .first()
        .waitFor({ timeout: 5_000 })
        .catch(() => undefined);
      await shot(page, 'desktop-order-confirmed');
    },
  ],
  [
    'a tok_chargeDeclined order fails with PAYMENT_DECLINED and shows the compensation path',
    async (ctx) => {
      const { page } = signedIn(ctx, 'alice');
      await page.getByRole('link', { name: 'Orders', exact: true }).click();
      await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
      const orderId = await placeOrder(page, 'tok_chargeDeclined');
      ctx.orders.declined = orderId;
      await rowStatus(page, orderId, 'FAILED').waitFor({ timeout: 30_000 });
      await shot(page, 'desktop-orders-with-failed');
      await page.getByTestId('placed').getByRole('link').click();
      await page.locator('li.timeline__step[data-step="MarkOrderFailed"]').waitFor({ timeout: 15_000 });
      const reason = await page.getByTestId('failure-reason').textContent();
      check(reason === 'The card was declined. No money was taken.', `the failure reason reads ${reason}`);
      const steps = await stepsOf(page);
      const charge = steps.find((s) => s.step === 'ChargePayment');
      check(charge?.kind === 'failure' && charge.outcome === 'declined', `ChargePayment is ${JSON.stringify(charge)}`);
      const after = steps.slice(steps.indexOf(charge) + 1);
      check(
        after.some((s) => s.step === 'ReleaseInventory' && s.kind === 'compensation'),
        `no ReleaseInventory compensation after the charge: ${JSON.stringify(after)}`,
      );
      check(
        after.at(-1)?.step === 'MarkOrderFailed' && after.at(-1)?.kind === 'compensation',
        `the path does not end with MarkOrderFailed: ${JSON.stringify(after)}`,
      );
      await page.getByRole('button', { name: 'Refresh trace' }).click();
      await page.locator('.waterfall__row[data-problem="business"]').first().waitFor({ timeout: 15_000 });
      const faults = await page.locator('.waterfall__row[data-problem="fault"]').count();
      check(faults === 0, `the declined card shows ${faults} fault rows in the trace`);
      const handlerRows = await page.locator('.waterfall__service', { hasText: '## ' }).count();
      check(handlerRows === 0, 'a raw ## handler subsegment has a row of its own');
      await shot(page, 'desktop-order-declined');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    'the dashboard is usable on a phone: the menu opens the navigation',
    async (ctx) => {
      const page = await signIn(ctx, 'bob', { width: 390, height: 844 });
      await shot(page, 'mobile-orders');
      const menu = page.getByRole('button', { name: 'Menu' });
      check(await menu.isVisible(), 'no Menu button on a phone');
      await menu.click();
      await page.getByRole('link', { name: 'Products' }).click();
      await page.getByRole('heading', { name: 'Products and stock' }).waitFor();
      await shot(page, 'mobile-products');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    'on a phone the orders list and the order page fit the 390 px screen',
    async (ctx) => {
      const { page } = signedIn(ctx, 'bob');
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Orders', exact: true }).click();
      await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
      const orderId = await placeOrder(page, 'tok_visa');
      await rowStatus(page, orderId, 'CONFIRMED').waitFor({ timeout: 30_000 });
      const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      check(listWidth <= 390, `the orders page is ${listWidth} px wide on a 390 px phone`);
      const tableScrolls = await page
        .locator('.table-wrap')
        .first()
        .evaluate((el) => el.scrollWidth > el.clientWidth);
      check(!tableScrolls, 'the orders table scrolls sideways on a phone');
      await shot(page, 'mobile-orders-list');
      await page.getByTestId('placed').getByRole('link').click();
      await page.locator('li.timeline__step[data-step="ConfirmOrder"]').waitFor({ timeout: 15_000 });
      await page.getByTestId('payment-transaction').waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 390, `the order page is ${width} px wide on a 390 px phone`);
      await shot(page, 'mobile-order-390x844');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    "the admin browses every customer's orders: a customer column, search, a status filter, kept on reload",
    async (ctx) => {
      const page = await signIn(ctx, 'admin');
      await page.getByRole('heading', { name: 'All orders' }).waitFor();
      const visa = page.locator(`tr[data-order-id="${ctx.orders.visa}"]`);
      await visa.waitFor({ timeout: 15_000 });
      check(
        ((await visa.locator('[data-customer]').textContent()) ?? '').trim() !== '',
        "alice's order shows no customer",
      );
      await page.reload();
      await visa.waitFor({ timeout: 15_000 });
      await page.getByLabel('Search').fill(ctx.orders.declined ?? '');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForFunction(
        (id) => {
          const rows = [...document.querySelectorAll('tbody tr')];
          return rows.length === 1 && rows[0]?.getAttribute('data-order-id') === id;
        },
        ctx.orders.declined,
        { timeout: 15_000 },
      );
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByLabel('Status').selectOption('FAILED');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator(`tr[data-order-id="${ctx.orders.declined}"]`).waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        () =>
          document.querySelectorAll('tbody tr').length > 0 &&
          [...document.querySelectorAll('tbody tr [data-status]')].every(
            (cell) => cell.getAttribute('data-status') === 'FAILED',
          ),
        undefined,
        { timeout: 15_000 },
      );
      await page.getByRole('button', { name: 'Clear' }).click();
      await visa.waitFor({ timeout: 15_000 });
      await shot(page, 'desktop-orders-admin');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    'the admin sees operations: queues, DLQs, events and the orders-per-minute chart',
    async (ctx) => {
      const page = ctx.pages.admin?.page ?? (await signIn(ctx, 'admin'));
      check(!(await page.getByRole('button', { name: 'Menu' }).isVisible()), 'the Menu button shows on a desktop');
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      await page.locator('[data-dlq]').first().waitFor({ timeout: 15_000 });
      await page.locator('tr[data-queue]').first().waitFor({ timeout: 15_000 });
      await page.locator('.events__item').first().waitFor({ timeout: 15_000 });
      await page.locator('.events__item a').first().waitFor({ timeout: 15_000 });
      await page.getByLabel('Filter by event type or order id').fill(ctx.orders.declined ?? 'order.failed');
      const shown = await page.locator('.events__item').count();
      const linked = await page.locator(`.events__item a[href="/orders/${ctx.orders.declined}"]`).count();
      check(
        shown > 0 && shown === linked,
        `the filter by order id shows ${shown} events, ${linked} of them for the order`,
      );
      await page.getByLabel('Filter by event type or order id').fill('');
      await page.locator('.chart canvas').waitFor();
      const finished = Number(await page.getByTestId('finished').textContent());
      check(finished >= 2, `the stats count ${finished} finished orders, expected at least the 2 placed`);
      check((await page.getByTestId('p50').textContent()) !== '–', 'no p50 completion time');
      await shot(page, 'desktop-operations');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    "the admin replays the last hour to the loyalty rule and watches it complete; alice's points stay",
    async (ctx) => {
      const { page } = signedIn(ctx, 'admin');
      const panel = page.getByRole('region', { name: 'Replay archived events' });
      await panel.getByLabel('Rules').selectOption('events-to-loyalty-points');
      await panel.getByRole('button', { name: 'Replay' }).click();
      await panel.locator('[data-testid="replay-progress"][data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
      await shot(page, 'desktop-operations-replay');
      const alice = signedIn(ctx, 'alice').page;
      // The replayed confirmation reaches the consumer within a few seconds; a second award would show by then.
      await alice.waitForTimeout(3000);
      await alice.goto(`${ctx.base}/orders`);
      await alice.getByTestId('loyalty-points').waitFor({ timeout: 15_000 });
      const after = Number(await alice.getByTestId('loyalty-points').textContent());
      check(after === ctx.loyaltyPoints, `alice had ${ctx.loyaltyPoints} points before the replay, ${after} after`);
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
  [
    'in local mode the admin has the faults panel',
    async (ctx) => {
      const { page } = signedIn(ctx, 'admin');
      await page.getByRole('link', { name: 'Faults' }).click();
      await page.getByTestId('faults-panel').waitFor({ timeout: 15_000 });
      await page.getByLabel('Function', { exact: true }).selectOption('local-send-email');
      await page.getByLabel('Fail next (calls)').fill('1');
      await page.getByRole('button', { name: 'Inject fault' }).click();
      await page.getByText('Fault set on send-email').waitFor();
      await page.getByRole('button', { name: 'Clear all faults' }).click();
      await page.getByText('All faults cleared.').waitFor();
      await shot(page, 'desktop-faults');
      await page.getByRole('link', { name: 'Products' }).click();
      await page
        .getByRole('button', { name: /^Edit / })
        .first()
        .waitFor();
      await shot(page, 'desktop-products-admin');
    },
    [STREAM_CLOSED_ON_LEAVING],
  ],
];

const main = async (): Promise<number> => {
  mkdirSync(OUT, { recursive: true });
  for (const file of readdirSync(OUT)) if (file.endsWith('.png')) rmSync(`${OUT}${file}`);
  const began = Date.now();
  let passed = 0;
  let failed = 0;
  say('== e2e: starting the platform (npm start) ...');
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  try {
    platform = await startPlatform();
    const users = (await (await fetch(`${platform.edgeUrl}/_local/users`)).json()) as {
      users: { username: string; password: string }[];
    };
    browser = await launch();
    const ctx: Context = {
      browser,
      base: platform.apiUrl,
      passwords: Object.fromEntries(users.users.map((u) => [u.username, u.password])),
      orders: {},
      pages: {},
    };
    for (const [name, run, expected = []] of specs) {
      const startedAt = Date.now();
      try {
        await run(ctx);
        const problems = Object.entries(ctx.pages).flatMap(([user, { problems: p }]) =>
          unexpectedProblems(p, expected).map((text) => `${user}: ${text}`),
        );
        check(problems.length === 0, `unexpected problems on the pages:\n${problems.join('\n')}`);
        passed += 1;
        say(`  ✓ ${name} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      } catch (error) {
        failed += 1;
        say(
          `  ✗ ${name}\n      ${error instanceof Error ? error.message.split('\n').join('\n      ') : String(error)}`,
        );
        // What the pages reported during a failed spec belongs to it, not to the next one.
        for (const [user, { problems: p }] of Object.entries(ctx.pages))
          for (const text of unexpectedProblems(p, expected)) say(`      ${user}: ${text}`);
        for (const [user, { page }] of Object.entries(ctx.pages)) {
          await page
            .screenshot({
              path: `${OUT}failed-${user}-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`,
              fullPage: true,
            })
            .catch(() => undefined);
        }
      }
    }
    failed += specs.length - passed - failed;
  } catch (error) {
    say(`  ✗ the run could not start: ${error instanceof Error ? error.message : String(error)}`);
    failed += specs.length - passed - failed;
  } finally {
    await browser?.close().catch(() => undefined);
    if (platform) await stopPlatform(platform);
  }
  say(`   screenshots in ${OUT}; ${((Date.now() - began) / 1000).toFixed(0)} s`);
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
};

process.exitCode = await main();
