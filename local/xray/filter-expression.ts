/**
 * X-Ray filter expressions, the subset the platform uses (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html):
 *
 *   annotation.orderId = "01J..." AND fault
 *   (annotation.step = "ChargePayment" OR annotation.step = "RefundPayment") AND NOT ok
 *   service("local-charge-payment") AND responsetime > 0.5
 *
 * Keywords ok, error, fault, throttle (booleans; bare means `= true`) and responsetime, duration (seconds);
 * `annotation.KEY` or `annotation[KEY]` compared with = != < <= > >= to a "string", number or true/false;
 * `service("name")`; AND, OR, NOT and parentheses. Anything else is a FilterExpressionInvalidError.
 */
import type { AnnotationValue } from './segment-document';

/** What an expression is evaluated against: one trace's facts. */
export interface FilterSubject {
  readonly annotations: ReadonlyMap<string, readonly AnnotationValue[]>;
  readonly ok: boolean;
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  readonly responseTime: number;
  readonly duration: number;
  readonly services: ReadonlySet<string>;
}

export type TraceFilter = (subject: FilterSubject) => boolean;

export class FilterExpressionInvalidError extends Error {
  constructor(
    readonly expression: string,
    detail: string,
  ) {
    super(`Invalid filter expression ${JSON.stringify(expression)}: ${detail}`);
    this.name = 'FilterExpressionInvalidError';
  }
}

type Token = {
  readonly kind: 'word' | 'string' | 'number' | 'op' | 'punct';
  readonly text: string;
  readonly at: number;
};

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>)|([()[\].,])|([A-Za-z_][A-Za-z0-9_-]*))/y;

const tokenize = (expression: string): Token[] => {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) throw new FilterExpressionInvalidError(expression, `unexpected character at ${at}`);
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: JSON.parse(match[1]) as string, at });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2], at });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', text: match[3], at });
    else if (match[4] !== undefined) tokens.push({ kind: 'punct', text: match[4], at });
    else tokens.push({ kind: 'word', text: match[5] ?? '', at });
  }
  return tokens;
};

type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

const compare = (left: AnnotationValue, operator: Operator, right: AnnotationValue): boolean => {
  if (operator === '=') return left === right;
  if (operator === '!=') return left !== right;
  if (typeof left !== 'number' || typeof right !== 'number') return false;
  if (operator === '<') return left < right;
  if (operator === '<=') return left <= right;
  if (operator === '>') return left > right;
  return left >= right;
};

const BOOLEAN_KEYWORDS = ['ok', 'error', 'fault', 'throttle'] as const;
const NUMBER_KEYWORDS = { responsetime: 'responseTime', duration: 'duration' } as const;

/** Compiles an expression once; the result is a predicate over a trace's facts. */
export const compileFilterExpression = (expression: string): TraceFilter => {
  if (expression.length > 2000)
    throw new FilterExpressionInvalidError(expression.slice(0, 40), 'longer than 2000 characters');
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const fail = (detail: string): never => {
    throw new FilterExpressionInvalidError(expression, detail);
  };
  const next = (): Token => tokens[position++] ?? fail('unexpected end');
  const expect = (text: string): void => {
    const token = next();
    if (token.text !== text) fail(`expected ${text} at ${token.at}, found ${token.text}`);
  };
  const isWord = (token: Token | undefined, word: string): boolean =>
    token?.kind === 'word' && token.text.toUpperCase() === word;

  const value = (): AnnotationValue => {
    const token = next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && (token.text === 'true' || token.text === 'false')) return token.text === 'true';
    return fail(`expected a value at ${token.at}, found ${token.text}`);
  };
  const operator = (): Operator => {
    const token = next();
    if (token.kind !== 'op') fail(`expected a comparison at ${token.at}, found ${token.text}`);
    return token.text as Operator;
  };

  const comparison = (): TraceFilter => {
    const token = next();
    if (token.kind !== 'word') return fail(`expected a keyword at ${token.at}, found ${token.text}`);
    const word = token.text.toLowerCase();
    if (word === 'annotation') {
      let key: string;
      if (peek()?.text === '.') {
        next();
        const name = next();
        if (name.kind !== 'word') fail(`expected an annotation key at ${name.at}`);
        key = name.text;
      } else {
        expect('[');
        const name = next();
        if (name.kind !== 'word' && name.kind !== 'string') fail(`expected an annotation key at ${name.at}`);
        key = name.text;
        expect(']');
      }
      const op = operator();
      const expected = value();
      return (subject) => (subject.annotations.get(key) ?? []).some((actual) => compare(actual, op, expected));
    }
    if (word === 'service') {
      expect('(');
      const name = next();
      if (name.kind !== 'string') fail(`service() takes a "name" at ${name.at}`);
      expect(')');
      return (subject) => subject.services.has(name.text);
    }
    if ((BOOLEAN_KEYWORDS as readonly string[]).includes(word)) {
      const key = word as (typeof BOOLEAN_KEYWORDS)[number];
      if (peek()?.kind !== 'op') return (subject) => subject[key];
      const op = operator();
      const expected = value();
      if (typeof expected !== 'boolean' || (op !== '=' && op !== '!='))
        fail(`${word} compares with = or != to true or false`);
      return (subject) => compare(subject[key], op, expected);
    }
    if (word in NUMBER_KEYWORDS) {
      const key = NUMBER_KEYWORDS[word as keyof typeof NUMBER_KEYWORDS];
      const op = operator();
      const expected = value();
      if (typeof expected !== 'number') fail(`${word} compares to a number of seconds`);
      return (subject) => compare(subject[key], op, expected);
    }
    return fail(`unknown keyword ${token.text} at ${token.at}`);
  };

  const unary = (): TraceFilter => {
    if (isWord(peek(), 'NOT')) {
      next();
      const inner = unary();
      return (subject) => !inner(subject);
    }
    if (peek()?.text === '(') {
      next();
      const inner = or();
      expect(')');
      return inner;
    }
    return comparison();
  };
  const and = (): TraceFilter => {
    let left = unary();
    while (isWord(peek(), 'AND')) {
      next();
      const l = left;
      const right = unary();
      left = (subject) => l(subject) && right(subject);
    }
    return left;
  };
  const or = (): TraceFilter => {
    let left = and();
    while (isWord(peek(), 'OR')) {
      next();
      const l = left;
      const right = and();
      left = (subject) => l(subject) || right(subject);
    }
    return left;
  };

  if (tokens.length === 0) return () => true;
  const filter = or();
  if (position < tokens.length) fail(`unexpected ${tokens[position]?.text} at ${tokens[position]?.at}`);
  return filter;
};
