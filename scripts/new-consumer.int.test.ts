/**
 * One step is enough (issue 16): `npm run new:consumer` in a copy of the repository scaffolds a consumer that runs and
 * deploys with no other edit. In a temporary copy (the repository's files, not its history, with node_modules linked,
 * as a fresh git repository so every change it makes shows): bad requests are refused with exit code 2 and change
 * nothing; a good one changes core/platform/resources.ts and docs/events/asyncapi.json and adds the handler and its
 * test, nothing else; the new test passes and the committed catalog still equals the code; the resource description,
 * the synthesised Terraform and the local cloud all have the new function, queue, DLQ, rule and event source mapping
 * (with the DLQ's alarm and the role's grant on the queue in Terraform), and an order.confirmed put on the local bus
 * reaches the new function.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './new-consumer';

jest.setTimeout(120_000);

const NAME = 'audit-trail';
let copy: string;

/** Runs `command` in the copy; its exit status and output. */
const inCopy = (command: string, args: readonly string[]) => {
  const result = spawnSync(command, args, {
    cwd: copy,
    encoding: 'utf8',
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      LOCAL_CLOUD_LOG_LEVEL: 'silent',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};
const bin = (tool: string): string => join(copy, 'node_modules', '.bin', tool);
const newConsumer = (...args: string[]) => inCopy(bin('tsx'), ['scripts/new-consumer.ts', ...args]);
/** What changed in the copy since its first commit, as `git status --porcelain` lists it, one file a line. */
const changes = (): string[] =>
  inCopy('git', ['status', '--porcelain', '--untracked-files=all']).stdout.split('\n').filter(Boolean).sort();

beforeAll(() => {
  // The working tree's files as they are now (committed or not, ignored ones left out), hard copies so nothing the
  // scaffold writes can reach the repository; node_modules is linked, not copied.
  copy = mkdtempSync(join(tmpdir(), 'new-consumer-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
  });
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(REPOSITORY_ROOT, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(from, join(copy, file));
  }
  symlinkSync(join(REPOSITORY_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'the repository as copied'],
  ])
    expect(inCopy('git', args).status).toBe(0);
});

afterAll(() => {
  if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
});

describe('npm run new:consumer in a copy of the repository', () => {
  it.each([
    [['Audit_Trail', '--events', 'order.confirmed'], 'consumer name "Audit_Trail" is not kebab-case'],
    [[NAME, '--events', 'order.shipped'], 'unknown event type order.shipped: no published contract'],
    [['email', '--events', 'order.confirmed'], '"email" is already a function, queue or rule'],
  ])('refuses %j with exit code 2, says why and changes nothing', (args, reason) => {
    // act
    const answer = newConsumer(...args);
    // assess
    expect(answer.status).toBe(2);
    expect(answer.stderr).toContain(reason);
    expect(changes()).toEqual([]);
  });

  it('adds the handler, its test and one entry in the resource description, and updates the catalog', () => {
    // act
    const answer = newConsumer(NAME, '--events', 'order.confirmed,order.failed');
    // assess
    expect(answer.stderr).toBe('');
    expect(answer.status).toBe(0);
    expect(changes()).toEqual([
      ' M core/platform/resources.ts',
      ' M docs/events/asyncapi.json',
      `?? lambdas/consumers/${NAME}.int.test.ts`,
      `?? lambdas/consumers/${NAME}.ts`,
    ]);
  });

  it("passes the new consumer's own test, and the committed catalog equals the code", () => {
    // act
    const jest = inCopy(process.execPath, [
      join(copy, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--ci',
      `lambdas/consumers/${NAME}.int.test.ts`,
      'core/events/contracts.test.ts',
    ]);
    // assess
    expect(jest.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(jest.status).toBe(0);
  });

  it('is in the description, the synthesised Terraform and the local cloud, and runs there', () => {
    // act
    const answer = inCopy(bin('tsx'), ['modules/test-support/consumer-wiring.ts', NAME]);
    // assess
    expect(answer.status).toBe(0);
    const { description, terraform, local } = JSON.parse(answer.stdout);
    const pattern = { source: ['orders.platform'], 'detail-type': ['order.confirmed', 'order.failed'] };
    expect(description).toMatchObject({
      function: { name: NAME, entry: `lambdas/consumers/${NAME}.ts` },
      queue: { name: NAME, consumer: { function: NAME, reportBatchItemFailures: true } },
      rule: { name: `events-to-${NAME}`, eventPattern: pattern, targets: [{ kind: 'sqs', queue: NAME }] },
    });
    const own = {
      function: { name: NAME, timeoutSeconds: 10, memoryMb: 256 },
      queue: { name: NAME, redrive: { deadLetterQueue: `${NAME}-dlq`, maxReceiveCount: 5 } },
      deadLetterQueue: { name: `${NAME}-dlq` },
      rule: { name: `events-to-${NAME}`, bus: 'orders', eventPattern: pattern, targets: [{ resource: NAME }] },
      mapping: { queue: NAME, function: NAME, reportBatchItemFailures: true },
    };
    expect(terraform).toMatchObject({
      ...own,
      alarm: `orders-dev-${NAME}-dlq-not-empty`,
      roleActionsOnQueue: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    });
    expect(local).toMatchObject({ ...own, missingFunctions: [], handled: true });
    for (const record of ['function', 'queue', 'deadLetterQueue', 'rule', 'mapping'])
      expect(local[record]).toEqual(terraform[record]);
  });
});
