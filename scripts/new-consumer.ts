/**
 * `npm run new:consumer -- <name> --events order.confirmed,order.failed [--description "..."]`: a new consumer of the
 * platform's events in one step. It writes
 *   - lambdas/consumers/<name>.ts, the handler (SQS batch with batchItemFailures, the EventBridge envelope parsed with
 *     the contract's schema, Powertools Logger/Tracer, idempotent on the event id with Powertools Idempotency);
 *   - lambdas/consumers/<name>.int.test.ts, its test on DynamoDB Local;
 *   - one entry in `consumers` of core/platform/resources.ts — the only file it edits. From that entry both runtimes
 *     derive the rule, the queue, its DLQ and the DLQ's alarm, the function and its IAM (the CDKTF modules and the local
 *     cloud read the same lists), and the AsyncAPI catalog lists it as a consumer of each of its event types;
 * then formats what it wrote (Biome) and regenerates docs/events/asyncapi.json (`npm run events:schemas`).
 *
 * The entry is placed in the array with the TypeScript parser (the array's own closing bracket, whatever the file
 * around it looks like), not with a pattern over the text. Refused, with exit code 2 and nothing written: a name that
 * is not kebab-case or too long for AWS's names, a name already used by a function, queue or rule, an event type with
 * no published contract.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { EVENT_CONTRACTS } from '../core/events/contracts';
import {
  consumerRuleName,
  deadLetterQueueName,
  failureQueues,
  functions,
  ORDER_EVENT_SOURCE,
  queues,
  rules,
} from '../core/platform/resources';

export const REPOSITORY_ROOT = join(__dirname, '..');
export const RESOURCES_FILE = 'core/platform/resources.ts';

/** kebab-case: lower-case letters and digits in words joined by single hyphens, starting with a letter. */
export const CONSUMER_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/**
 * The longest physical name a consumer makes is its rule, `orders-prod-events-to-<name>`, and AWS allows 64 characters
 * for a rule, a function and a role name: 40 leaves room for a longer stage prefix.
 */
export const MAX_CONSUMER_NAME_LENGTH = 40;

/** The event types a consumer may subscribe to: every published contract of the platform's own source. */
export const SUBSCRIBABLE_EVENTS: readonly string[] = EVENT_CONTRACTS.filter(
  (contract) => contract.source === ORDER_EVENT_SOURCE,
).map((contract) => contract.type);

/** The request is refused: exit code 2, nothing written. */
export class ConsumerRequestInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsumerRequestInvalidError';
  }
}

export interface ConsumerRequest {
  readonly name: string;
  readonly events: readonly string[];
  readonly description: string;
}

const USAGE =
  'usage: npm run new:consumer -- <name> --events <type>[,<type>...] [--description "<what it does>"]\n' +
  '  e.g. npm run new:consumer -- audit-trail --events order.confirmed,order.failed';

/** Every name the description already uses for a function, a queue (with its DLQ) or a rule. */
const takenNames = (): Set<string> =>
  new Set([
    ...functions.map((spec) => spec.name),
    ...queues.flatMap((spec) => [spec.name, deadLetterQueueName(spec.name)]),
    ...failureQueues.map((spec) => spec.name),
    ...rules.map((spec) => spec.name),
  ]);

/** Reads and checks the command line; ConsumerRequestInvalidError says what is wrong and what would do. */
export const parseConsumerRequest = (argv: readonly string[], root = REPOSITORY_ROOT): ConsumerRequest => {
  let parsed: { values: { events?: string; description?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { events: { type: 'string' }, description: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (cause) {
    throw new ConsumerRequestInvalidError(`${(cause as Error).message}\n${USAGE}`);
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0)
    throw new ConsumerRequestInvalidError(`give exactly one consumer name\n${USAGE}`);
  if (!CONSUMER_NAME_PATTERN.test(name))
    throw new ConsumerRequestInvalidError(
      `consumer name "${name}" is not kebab-case: lower-case letters and digits in words joined by single hyphens, starting with a letter (e.g. audit-trail)`,
    );
  if (name.length > MAX_CONSUMER_NAME_LENGTH)
    throw new ConsumerRequestInvalidError(
      `consumer name "${name}" has ${name.length} characters; at most ${MAX_CONSUMER_NAME_LENGTH}, so its rule's physical name fits AWS's 64`,
    );
  if (name.endsWith('-dlq'))
    throw new ConsumerRequestInvalidError(`consumer name "${name}" ends in -dlq, which names dead-letter queues`);
  const taken = takenNames();
  for (const derived of [name, deadLetterQueueName(name), consumerRuleName(name)])
    if (taken.has(derived))
      throw new ConsumerRequestInvalidError(
        `"${derived}" is already a function, queue or rule of ${RESOURCES_FILE}; choose another consumer name`,
      );
  for (const file of consumerFiles(name))
    if (existsSync(join(root, file))) throw new ConsumerRequestInvalidError(`${file} exists already`);
  const events = (parsed.values.events ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  if (events.length === 0)
    throw new ConsumerRequestInvalidError(
      `name the event types it consumes with --events (one or more of: ${SUBSCRIBABLE_EVENTS.join(', ')})\n${USAGE}`,
    );
  const unknown = events.filter((type) => !SUBSCRIBABLE_EVENTS.includes(type));
  if (unknown.length > 0)
    throw new ConsumerRequestInvalidError(
      `unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: no published contract (core/events/contracts.ts). Known: ${SUBSCRIBABLE_EVENTS.join(', ')}`,
    );
  if (new Set(events).size !== events.length)
    throw new ConsumerRequestInvalidError(`an event type is named twice in --events ${events.join(',')}`);
  const description = parsed.values.description?.trim() || `handles ${events.join(' and ')}`;
  return { name, events, description };
};

/** The handler and its test, relative to the repository root. */
export const consumerFiles = (name: string): readonly [handler: string, test: string] => [
  `lambdas/consumers/${name}.ts`,
  `lambdas/consumers/${name}.int.test.ts`,
];

const pascal = (name: string): string =>
  name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
const camel = (name: string): string => pascal(name).charAt(0).toLowerCase() + pascal(name).slice(1);
const quoted = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The entry in `consumers`: every setting written out, so the description shows what is deployed. */
export const resourceEntry = (request: ConsumerRequest): string => `{
    name: ${quoted(request.name)},
    description: ${quoted(request.description)},
    events: [${request.events.map(quoted).join(', ')}],
    entry: ${quoted(consumerFiles(request.name)[0])},
    timeoutSeconds: 10,
    memoryMb: 256,
    maxReceiveCount: 5,
    // The table: the idempotency records of the events it has handled (Powertools Idempotency).
    access: { tables: ['orders'] },
  }`;

export const handlerSource = (request: ConsumerRequest): string => {
  const [file] = consumerFiles(request.name);
  return `/**
 * Consumer \`${request.name}\`: ${request.description}.
 *
 * Receives ${request.events.join(', ')} from the bus: rule ${consumerRuleName(request.name)} -> queue ${request.name} (DLQ
 * ${deadLetterQueueName(request.name)}) -> this function, all from its entry in \`consumers\` (${RESOURCES_FILE}).
 * Scaffolded by \`npm run new:consumer\`; its work is \`${camel(request.name)}Work\`.
 *
 * Each message is the EventBridge envelope around an order event, parsed with the contract's schema; a message that
 * fails, fails alone (batchItemFailures) and reaches the DLQ after its receives. Idempotent on the event id:
 * Powertools Idempotency records every event id it has handled (\`${request.name}#<hash>\` in the table, 24 hours), so
 * a redelivery or a replay of the archive does the work once. Work that is idempotent by itself (one conditional
 * write keyed by the event) can drop the persistence and save its two writes per event.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requiredEnv } from '../../core/config/env';
import { consumerEvents } from '../../core/platform/resources';
import { orderEventProcessor } from '../processors/order-event-processor';
import type { OrderEvent, OrderEventProcessorOptions, SqsHandler } from '../processors/order-event-processor';
import type { LambdaContext } from '../shared/lambda-context';
import { captured, idempotencyPersistence } from '../shared/powertools';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';

export const CONSUMER = ${quoted(request.name)};

export interface ${pascal(request.name)}Deps {
  /** Powertools Idempotency's store on the table. */
  readonly persistence: NonNullable<OrderEventProcessorOptions['persistence']>;
  /** The work on one event; ${camel(request.name)}Work unless a test counts the calls. */
  readonly work?: OrderEventProcessorOptions['work'];
}

/** What the consumer does with one event, once per event id; what it answers is logged. */
export const ${camel(request.name)}Work = async (event: OrderEvent, log: Logger): Promise<Record<string, unknown>> => {
  log.debug('order event', { total: event.detail.total, status: event.detail.status });
  return { orderId: event.detail.orderId, type: event.type };
};

export const create${pascal(request.name)}Handler = (deps: ${pascal(request.name)}Deps): SqsHandler =>
  orderEventProcessor({
    name: CONSUMER,
    persistence: deps.persistence,
    accepts: consumerEvents(CONSUMER),
    work: deps.work ?? ${camel(request.name)}Work,
  });

let configured: SqsHandler | undefined;

/** The Lambda entry (${file}); configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  configured ??= create${pascal(request.name)}Handler({
    persistence: idempotencyPersistence(captured(new DynamoDBClient({})), requiredEnv(process.env, 'TABLE_NAME')),
  });
  return configured(event, context);
};
`;
};

export const testSource = (request: ConsumerRequest): string => {
  const unsubscribed = SUBSCRIBABLE_EVENTS.find((type) => !request.events.includes(type));
  const acknowledges =
    unsubscribed === undefined
      ? ''
      : `
  it('acknowledges ${unsubscribed}, which it does not subscribe to, without working on it', async () => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    // act
    const answer = await handler(
      sqsEvent(orderEventRecord('${unsubscribed}', orderEventDetail('${unsubscribed}'))),
      testLambdaContext(CONSUMER),
    );
    // assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(handled).toEqual([]);
  });
`;
  return `/**
 * Consumer \`${request.name}\` (./${request.name}.ts) on DynamoDB Local with the real idempotency store: each event type it
 * subscribes to is worked on once per event id however often it is delivered, and a message that is not an order
 * event fails alone. Scaffolded by \`npm run new:consumer\`; add the work's own effects as the work grows.
 */
import { consumerEvents } from '../../core/platform/resources';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { idempotencyPersistence } from '../shared/powertools';
import {
  orderEventDetail,
  orderEventRecord,
  sqsEvent,
  testLambdaContext,
} from '../shared/test-support/order-event-messages';
import { CONSUMER, create${pascal(request.name)}Handler, ${camel(request.name)}Work } from './${request.name}';

jest.setTimeout(60_000);

let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable();
}, 60_000);

afterAll(async () => {
  await table?.stop();
});

/** The handler over the table's idempotency store, with its work wrapped to record which events reached it. */
const handlerCountingWork = () => {
  const handled: string[] = [];
  const handler = create${pascal(request.name)}Handler({
    persistence: idempotencyPersistence(table.client, table.tableName),
    work: async (event, log) => {
      handled.push(event.eventId);
      return ${camel(request.name)}Work(event, log);
    },
  });
  return { handler, handled };
};

describe(\`consumer \${CONSUMER}\`, () => {
  it.each(consumerEvents(CONSUMER))('works on %s once per event id, however often it is delivered', async (type) => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    const message = orderEventRecord(type, orderEventDetail(type));
    // act
    const first = await handler(sqsEvent(message), testLambdaContext(CONSUMER));
    const again = await handler(sqsEvent({ ...message, messageId: \`\${message.messageId}-again\` }), testLambdaContext(CONSUMER));
    // assess
    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    expect(handled).toEqual([JSON.parse(message.body).detail.eventId]);
  });

  it('fails a message that is not an order event alone and works on the rest of the batch', async () => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    const type = consumerEvents(CONSUMER)[0];
    const bad = orderEventRecord(type, '{"not":"an EventBridge envelope"}');
    const good = orderEventRecord(type, orderEventDetail(type));
    // act
    const answer = await handler(sqsEvent(bad, good), testLambdaContext(CONSUMER));
    // assess
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(handled).toHaveLength(1);
  });
${acknowledges}});
`;
};

/**
 * `text` (core/platform/resources.ts) with `entry` appended to the array `export const consumers = [...]`, found with
 * the TypeScript parser whatever wraps it (`as const satisfies ...`).
 */
export const withConsumerEntry = (text: string, entry: string): string => {
  const source = ts.createSourceFile(RESOURCES_FILE, text, ts.ScriptTarget.Latest, true);
  let array: ts.ArrayLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'consumers') {
      let expression = node.initializer;
      while (expression !== undefined && (ts.isSatisfiesExpression(expression) || ts.isAsExpression(expression)))
        expression = expression.expression;
      if (expression !== undefined && ts.isArrayLiteralExpression(expression)) array = expression;
    }
    if (array === undefined) ts.forEachChild(node, visit);
  };
  visit(source);
  if (array === undefined) throw new Error(`${RESOURCES_FILE} has no array \`export const consumers = [...]\``);
  const closing = array.getEnd() - 1;
  const separator = array.elements.length > 0 && !array.elements.hasTrailingComma ? ',' : '';
  return `${text.slice(0, closing).trimEnd()}${separator}\n  ${entry},\n${text.slice(closing)}`;
};

interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const run = (root: string, command: string, args: readonly string[]): void => {
  const result = spawnSync(join(root, 'node_modules', '.bin', command), args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
};

/** Scaffolds the consumer; the exit code: 0 done, 2 refused (nothing written), 1 failed while writing. */
export const newConsumer = (argv: readonly string[], root = REPOSITORY_ROOT, output?: Output): number => {
  const out = output?.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = output?.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let request: ConsumerRequest;
  try {
    request = parseConsumerRequest(argv, root);
  } catch (error) {
    if (!(error instanceof ConsumerRequestInvalidError)) throw error;
    err(`new:consumer: ${error.message}`);
    return 2;
  }
  const [handlerFile, testFile] = consumerFiles(request.name);
  try {
    const resourcesPath = join(root, RESOURCES_FILE);
    const resources = withConsumerEntry(readFileSync(resourcesPath, 'utf8'), resourceEntry(request));
    mkdirSync(join(root, 'lambdas', 'consumers'), { recursive: true });
    writeFileSync(join(root, handlerFile), handlerSource(request));
    writeFileSync(join(root, testFile), testSource(request));
    writeFileSync(resourcesPath, resources);
    run(root, 'biome', ['format', '--write', RESOURCES_FILE, handlerFile, testFile]);
    run(root, 'tsx', ['scripts/event-schemas.ts']);
  } catch (error) {
    err(`new:consumer: ${(error as Error).message}`);
    return 1;
  }
  out(`consumer ${request.name}: ${request.events.join(', ')}`);
  out(`  wrote   ${handlerFile}  (its work: ${camel(request.name)}Work)`);
  out(`  wrote   ${testFile}`);
  out(`  added   ${request.name} to consumers in ${RESOURCES_FILE}:`);
  out(
    `          rule ${consumerRuleName(request.name)} -> queue ${request.name} (DLQ ${deadLetterQueueName(request.name)}, alarmed) -> function ${request.name}`,
  );
  out(`  updated docs/events/asyncapi.json`);
  out(
    `next: npx jest ${relative(root, join(root, testFile))}; npm start runs it locally, npm run synth deploys it with the rest`,
  );
  return 0;
};

if (require.main === module) process.exitCode = newConsumer(process.argv.slice(2));
