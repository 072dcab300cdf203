import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import {
  ConsumerRequestInvalidError,
  handlerSource,
  newConsumer,
  parseConsumerRequest,
  RESOURCES_FILE,
  resourceEntry,
  withConsumerEntry,
} from './new-consumer';

/** An empty directory as the repository root: whatever is refused must leave it empty. */
const emptyRoot = () => mkdtempSync(join(tmpdir(), 'new-consumer-'));

describe('parseConsumerRequest', () => {
  it('reads the name, the event types and a description', () => {
    expect(
      parseConsumerRequest(
        ['audit-trail', '--events', 'order.confirmed, order.failed', '--description', 'audits'],
        emptyRoot(),
      ),
    ).toEqual({ name: 'audit-trail', events: ['order.confirmed', 'order.failed'], description: 'audits' });
  });

  it.each([
    [['Audit_Trail', '--events', 'order.confirmed'], /not kebab-case/],
    [['audit--trail', '--events', 'order.confirmed'], /not kebab-case/],
    [['1audit', '--events', 'order.confirmed'], /not kebab-case/],
    [[`a${'-b'.repeat(20)}`, '--events', 'order.confirmed'], /at most 40/],
    [['audit-dlq', '--events', 'order.confirmed'], /ends in -dlq/],
    [['email', '--events', 'order.confirmed'], /"email" is already a function, queue or rule/],
    [['loyalty-points', '--events', 'order.confirmed'], /"loyalty-points" is already/],
    [['audit', '--events', 'order.shipped,order.confirmed'], /unknown event type order.shipped: no published contract/],
    [['audit', '--events', 'order.confirmed,order.confirmed'], /named twice/],
    [['audit'], /name the event types it consumes with --events/],
    [['audit', 'trail', '--events', 'order.confirmed'], /exactly one consumer name/],
    [['audit', '--events', 'order.confirmed', '--colour', 'red'], /Unknown option '--colour'/],
  ])('refuses %j: %s', (argv, message) => {
    expect.assertions(2);
    try {
      parseConsumerRequest(argv, emptyRoot());
    } catch (error) {
      expect(error).toBeInstanceOf(ConsumerRequestInvalidError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('newConsumer', () => {
  it('answers exit code 2 with the reason on stderr and writes nothing for a refused request', () => {
    // prepare
    const root = emptyRoot();
    const lines: string[] = [];
    // act
    const code = newConsumer(['audit', '--events', 'order.shipped'], root, {
      out: () => undefined,
      err: (line) => lines.push(line),
    });
    // assess
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/^new:consumer: unknown event type order.shipped/);
    expect(() => readFileSync(join(root, 'lambdas', 'consumers', 'audit.ts'))).toThrow();
  });
});

/** The `name` of each element of the consumers array, read with the TypeScript parser; it must parse without error. */
const namesIn = (text: string): string[] => {
  const source = ts.createSourceFile('resources.ts', text, ts.ScriptTarget.Latest, true);
  const diagnostics = (source as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
  expect(diagnostics).toEqual([]);
  const statement = source.statements.find(
    (candidate) => ts.isVariableStatement(candidate) && candidate.getText().startsWith('export const consumers'),
  ) as ts.VariableStatement;
  let array = statement.declarationList.declarations[0].initializer as ts.Expression;
  while (ts.isSatisfiesExpression(array) || ts.isAsExpression(array)) array = array.expression;
  return (array as ts.ArrayLiteralExpression).elements.map((element) => {
    const name = (element as ts.ObjectLiteralExpression).properties.find(
      (property) => property.name?.getText() === 'name',
    ) as ts.PropertyAssignment;
    return (name.initializer as ts.StringLiteral).text;
  });
};

describe('withConsumerEntry', () => {
  const entry = resourceEntry({ name: 'audit', events: ['order.confirmed'], description: "it's auditing" });
  const file = (array: string) =>
    `const a = [1];\nexport const consumers = ${array} as const satisfies readonly ConsumerSpec[];\nconst b = [2];\n`;

  it.each([
    ['an empty list', '[]'],
    ['a list without a trailing comma', "[\n  { name: 'x' }\n]"],
    ['a list with a trailing comma', "[\n  { name: 'x' },\n]"],
  ])('appends the entry to %s, leaving the rest of the file as it was', (_, array) => {
    // act
    const text = withConsumerEntry(file(array), entry);
    // assess
    expect(text.startsWith('const a = [1];\nexport const consumers = [')).toBe(true);
    expect(text.endsWith('] as const satisfies readonly ConsumerSpec[];\nconst b = [2];\n')).toBe(true);
    expect(namesIn(text)).toEqual([...(array === '[]' ? [] : ['x']), 'audit']);
  });

  it('refuses a file without a consumers array', () => {
    expect(() => withConsumerEntry('export const functions = [];\n', entry)).toThrow(
      /no array `export const consumers/,
    );
  });

  it('finds the array in the real description', () => {
    const text = readFileSync(join(__dirname, '..', RESOURCES_FILE), 'utf8');
    expect(withConsumerEntry(text, entry)).toContain("name: 'audit',");
  });

  it('quotes a description with quotes in it as one string', () => {
    expect(entry).toContain("description: 'it\\'s auditing',");
    expect(handlerSource({ name: 'audit', events: ['order.confirmed'], description: 'x' })).toContain(
      "export const CONSUMER = 'audit';",
    );
  });
});
