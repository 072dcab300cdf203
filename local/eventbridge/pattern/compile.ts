/**
 * Compiles an EventBridge event pattern, validating it as EventBridge does, into branches: one per alternative that
 * `$or` opens, each a map from a flattened field path (`detail.state`) to the matchers any one of which must hold.
 */
import { EventPatternInvalidError } from './errors';
import { parseCidr } from './ip';
import { compileWildcard, compareNumbers, type LeafValue, type Matcher, type NumericBound } from './matchers';

export interface PatternField {
  readonly path: string;
  readonly matchers: readonly Matcher[];
}

/** A validated pattern: it matches an event when any branch does; a branch's fields are sorted by path. */
export interface CompiledEventPattern {
  readonly source: unknown;
  readonly branches: readonly (readonly PatternField[])[];
}

type Branch = Map<string, Matcher[]>;

const compiledPatterns = new WeakSet<CompiledEventPattern>();

/** Whether a value is a pattern this module compiled (a raw pattern may well have a `source` key). */
export const isCompiledPattern = (value: unknown): value is CompiledEventPattern =>
  typeof value === 'object' && value !== null && compiledPatterns.has(value as CompiledEventPattern);

const OR = '$or';

/** Operator names that cannot be field names inside `$or` (they signal a misplaced operator). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

// A declaration, not an arrow: TypeScript narrows after a call only to a declared never-returning function.
function fail(reason: string): never {
  throw new EventPatternInvalidError(reason);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (value: unknown): string => (value === undefined ? ']' : JSON.stringify(value));

const finite = (value: unknown, what: string): number => {
  if (typeof value !== 'number') return fail(`Value of ${what} must be numeric`);
  if (!Number.isFinite(value)) return fail(`Cannot compare number : ${value}`);
  return value;
};

const onlyKey = (expression: Record<string, unknown>, message = 'Only one key allowed in match expression'): void => {
  if (Object.keys(expression).length > 1) fail(message);
};

const compileNumeric = (terms: unknown): Matcher => {
  if (!Array.isArray(terms)) return fail('Value of numeric must be an array.');
  const [operator, first, secondOperator, second, ...rest] = terms as unknown[];
  if (typeof operator !== 'string') return fail(`Invalid member in numeric match: ${describe(operator)}`);
  const single = (bound: 'lower' | 'upper', open: boolean): Matcher => {
    const value = finite(first, operator);
    if (terms.length > 2) fail('Too many elements in numeric expression');
    return { kind: 'numeric', [bound]: { value, open } };
  };
  switch (operator) {
    case '=': {
      const value = finite(first, 'equals');
      if (terms.length > 2) fail('Too many elements in numeric expression');
      return { kind: 'numeric', lower: { value, open: false }, upper: { value, open: false } };
    }
    case '<':
      return single('upper', true);
    case '<=':
      return single('upper', false);
    case '>':
    case '>=': {
      const lower: NumericBound = { value: finite(first, operator), open: operator === '>' };
      if (terms.length === 2) return { kind: 'numeric', lower };
      if (typeof secondOperator !== 'string') return fail(`Bad value in numeric range: ${describe(secondOperator)}`);
      if (secondOperator !== '<' && secondOperator !== '<=')
        return fail(`Bad numeric range operator: ${secondOperator}`);
      const upper: NumericBound = { value: finite(second, secondOperator), open: secondOperator === '<' };
      if (rest.length > 0) fail('Too many terms in numeric range expression');
      if (compareNumbers(lower.value, upper.value) >= 0) fail('Bottom must be less than top');
      return { kind: 'numeric', lower, upper };
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
};

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
const compileAffix = (kind: 'prefix' | 'suffix', value: unknown): Matcher => {
  if (isObject(value)) {
    const [operator] = Object.keys(value);
    const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
    if (operator === undefined) return fail(`${label} expression name not found`);
    if (operator !== 'equals-ignore-case') return fail(`Unsupported ${kind} pattern: ${operator}`);
    const text = value[operator];
    if (typeof text !== 'string') return fail('equals-ignore-case match pattern must be a string');
    onlyKey(value);
    return { kind, value: text, ignoreCase: true };
  }
  if (typeof value !== 'string') return fail(`${kind} match pattern must be a string`);
  return { kind, value, ignoreCase: false };
};

const wildcardOf = (text: string): RegExp => {
  try {
    return compileWildcard(text);
  } catch (error) {
    throw new EventPatternInvalidError((error as Error).message, { cause: error });
  }
};

/** `anything-but` with a modifier object: `{ prefix | suffix | equals-ignore-case | wildcard: string | string[] }`. */
const compileAnythingButModified = (modifier: Record<string, unknown>): Matcher => {
  const [operator] = Object.keys(modifier);
  if (operator === undefined) return fail('Anything-But expression name not found');
  if (!['equals-ignore-case', 'prefix', 'suffix', 'wildcard'].includes(operator))
    return fail(`Unsupported anything-but pattern: ${operator}`);
  const raw = modifier[operator];
  if (!Array.isArray(raw) && typeof raw !== 'string' && typeof raw !== 'number') {
    return fail('Value of anything-but must be an array or single string/number value.');
  }
  const values = (Array.isArray(raw) ? raw : [raw]).map((value: unknown) => {
    if (typeof value !== 'string') {
      if (operator === 'equals-ignore-case')
        return fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      return fail(
        operator === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string',
      );
    }
    if ((operator === 'prefix' || operator === 'suffix') && value === '') return fail('Null prefix/suffix not allowed');
    return value;
  });
  onlyKey(modifier, 'Too many elements in numeric expression');
  switch (operator) {
    case 'prefix':
      return { kind: 'anything-but-prefix', values };
    case 'suffix':
      return { kind: 'anything-but-suffix', values };
    case 'equals-ignore-case':
      return { kind: 'anything-but-ignore-case', values };
    default:
      return { kind: 'anything-but-wildcard', regexes: values.map(wildcardOf) };
  }
};

const compileAnythingBut = (value: unknown): Matcher => {
  if (isObject(value)) return compileAnythingButModified(value);
  if (Array.isArray(value)) {
    const strings = value.filter((item): item is string => typeof item === 'string');
    const numbers = value.filter((item): item is number => typeof item === 'number');
    if (strings.length + numbers.length !== value.length)
      return fail('Inside anything but list, start|null|boolean is not supported.');
    if (strings.length > 0 === numbers.length > 0) {
      return fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return { kind: 'anything-but', strings, numbers: numbers.map((number) => finite(number, 'anything-but')) };
  }
  if (typeof value === 'string') return { kind: 'anything-but', strings: [value], numbers: [] };
  if (typeof value === 'number') return { kind: 'anything-but', strings: [], numbers: [finite(value, 'anything-but')] };
  return fail('Value of anything-but must be an array or single string/number value.');
};

const compileExpression = (expression: Record<string, unknown>): Matcher => {
  const [operator] = Object.keys(expression);
  if (operator === undefined) return fail('Match expression name not found');
  const value = expression[operator];
  const stringOperand = (name: string): string =>
    typeof value === 'string' ? value : fail(`${name} match pattern must be a string`);
  let matcher: Matcher;
  switch (operator) {
    case 'exactly':
      matcher = { kind: 'exact', value: stringOperand('exact') };
      break;
    case 'prefix':
    case 'suffix':
      matcher = compileAffix(operator, value);
      break;
    case 'equals-ignore-case':
      matcher = { kind: 'equals-ignore-case', value: stringOperand('equals-ignore-case') };
      break;
    case 'wildcard':
      matcher = { kind: 'wildcard', source: stringOperand('wildcard'), regex: wildcardOf(stringOperand('wildcard')) };
      break;
    case 'numeric':
      matcher = compileNumeric(value);
      onlyKey(expression, 'Too many elements in numeric expression');
      return matcher;
    case 'anything-but':
      matcher = compileAnythingBut(value);
      onlyKey(expression, 'Too many elements in numeric expression');
      return matcher;
    case 'exists':
      if (typeof value !== 'boolean') return fail('exists match pattern must be either true or false.');
      matcher = { kind: 'exists', exists: value };
      break;
    case 'cidr':
      try {
        matcher = { kind: 'cidr', range: parseCidr(stringOperand('cidr')) };
      } catch (error) {
        if (error instanceof EventPatternInvalidError) throw error;
        throw new EventPatternInvalidError((error as Error).message, { cause: error });
      }
      break;
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
  onlyKey(expression);
  return matcher;
};

const compileLeaf = (name: string, values: readonly unknown[]): Matcher[] => {
  if (values.length === 0) fail('Empty arrays are not allowed');
  return values.map((value): Matcher => {
    if (isObject(value)) return compileExpression(value);
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      return { kind: 'exact', value: value as LeafValue };
    return fail(`Match value must be String, number, true, false, or null (in "${name}")`);
  });
};

const copy = (branches: readonly Branch[]): Branch[] => branches.map((branch) => new Map(branch));

function compileObject(
  node: Record<string, unknown>,
  path: readonly string[],
  branches: Branch[],
  insideOr: boolean,
): void {
  const keys = Object.keys(node);
  if (keys.length === 0) fail('Empty objects are not allowed');
  for (const key of keys) {
    const value = node[key];
    if (key === OR) {
      compileOr(value, path, branches);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      fail(`${key} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    if (isObject(value)) {
      compileObject(value, [...path, key], branches, insideOr);
    } else if (Array.isArray(value)) {
      const fieldPath = [...path, key].join('.');
      const matchers = compileLeaf(fieldPath, value);
      if (branches.length === 0) branches.push(new Map());
      for (const branch of branches) branch.set(fieldPath, matchers);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
}

function compileOr(value: unknown, path: readonly string[], branches: Branch[]): void {
  if (!Array.isArray(value)) fail(`It must be an Array followed with ${OR}.`);
  const before = copy(branches);
  branches.length = 0;
  for (const alternative of value) {
    if (!isObject(alternative)) fail(`Only JSON object is allowed in array of ${OR} relationship.`);
    const forked = copy(before);
    if (forked.length === 0) forked.push(new Map());
    compileObject(alternative, path, forked, true);
    branches.push(...forked);
  }
  if (value.length < 2) fail(`There must have at least 2 Objects in ${OR} relationship.`);
}

const parse = (pattern: string): unknown => {
  try {
    return JSON.parse(pattern) as unknown;
  } catch (error) {
    throw new EventPatternInvalidError(`Pattern is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
};

/**
 * Validates and compiles an event pattern, given as JSON text or as a parsed value.
 * @throws EventPatternInvalidError with EventBridge's reason when the pattern is malformed.
 */
export const compileEventPattern = (pattern: unknown): CompiledEventPattern => {
  const source = typeof pattern === 'string' ? parse(pattern) : pattern;
  if (!isObject(source)) return fail('Filter is not an object');
  const branches: Branch[] = [];
  compileObject(source, [], branches, false);
  const compiled: CompiledEventPattern = {
    source,
    branches: branches.map((branch) =>
      [...branch.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([path, matchers]) => ({ path, matchers })),
    ),
  };
  compiledPatterns.add(compiled);
  return compiled;
};
