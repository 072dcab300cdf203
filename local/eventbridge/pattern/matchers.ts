/**
 * The value matchers of an event pattern's leaves, and how each one judges one leaf value of an event.
 * A leaf value is a string, number, boolean or null; arrays are flattened before matching, objects are not leaves.
 */
import type { CidrRange } from './ip';
import { parseIp } from './ip';

export type LeafValue = string | number | boolean | null;

export interface NumericBound {
  readonly value: number;
  readonly open: boolean;
}

export type Matcher =
  | { readonly kind: 'exact'; readonly value: LeafValue }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly source: string; readonly regex: RegExp }
  | { readonly kind: 'numeric'; readonly lower?: NumericBound; readonly upper?: NumericBound }
  | { readonly kind: 'cidr'; readonly range: CidrRange }
  | { readonly kind: 'exists'; readonly exists: boolean }
  | { readonly kind: 'anything-but'; readonly strings: readonly string[]; readonly numbers: readonly number[] }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly regexes: readonly RegExp[] };

/** Total order of doubles as EventBridge keeps it: -0 sorts just below +0. */
export const compareNumbers = (a: number, b: number): number => {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  return 0;
};

const sameNumber = (a: number, b: number): boolean => compareNumbers(a, b) === 0;

/** Case-insensitive equality of two strings, code point by code point, as Java's equalsIgnoreCase. */
export const equalsIgnoreCase = (a: string, b: string): boolean =>
  a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();

const startsWithIgnoreCase = (text: string, prefix: string): boolean =>
  text.length >= prefix.length && equalsIgnoreCase(text.slice(0, prefix.length), prefix);

const endsWithIgnoreCase = (text: string, suffix: string): boolean =>
  text.length >= suffix.length && equalsIgnoreCase(text.slice(text.length - suffix.length), suffix);

/**
 * Compiles a wildcard value: `*` matches any run of characters, `\*` a literal asterisk, `\\` a backslash.
 * Throws a plain Error with AWS's reason for `**` or any other escape.
 */
export const compileWildcard = (source: string): RegExp => {
  let regex = '';
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index] ?? '';
    if (char === '*') {
      if (source[index + 1] === '*') throw new Error(`Consecutive wildcard characters at pos ${index}`);
      regex += '[\\s\\S]*';
    } else if (char === '\\') {
      const next = source[index + 1];
      if (next !== '*' && next !== '\\') throw new Error(`Invalid escape character at pos ${index}`);
      regex += `\\${next}`;
      index += 1;
    } else {
      regex += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${regex}$`, 'u');
};

const inRange = (value: number, lower?: NumericBound, upper?: NumericBound): boolean => {
  if (lower) {
    const cmp = compareNumbers(value, lower.value);
    if (cmp < 0 || (cmp === 0 && lower.open)) return false;
  }
  if (upper) {
    const cmp = compareNumbers(value, upper.value);
    if (cmp > 0 || (cmp === 0 && upper.open)) return false;
  }
  return true;
};

const exactMatches = (expected: LeafValue, value: LeafValue): boolean => {
  if (typeof expected === 'number') return typeof value === 'number' && sameNumber(expected, value);
  if (typeof expected === 'string' && typeof value === 'string') {
    if (expected === value) return true;
    // A pattern value that is an IP literal matches the same address however it is written.
    const want = parseIp(expected);
    const got = want ? parseIp(value) : undefined;
    return want !== undefined && got !== undefined && want.family === got.family && want.value === got.value;
  }
  return expected === value;
};

/** Whether one leaf value of an event satisfies one matcher. `exists: false` never matches a present value. */
export const matchesValue = (matcher: Matcher, value: LeafValue): boolean => {
  switch (matcher.kind) {
    case 'exact':
      return exactMatches(matcher.value, value);
    case 'prefix':
      return (
        typeof value === 'string' &&
        (matcher.ignoreCase ? startsWithIgnoreCase(value, matcher.value) : value.startsWith(matcher.value))
      );
    case 'suffix':
      return (
        typeof value === 'string' &&
        (matcher.ignoreCase ? endsWithIgnoreCase(value, matcher.value) : value.endsWith(matcher.value))
      );
    case 'equals-ignore-case':
      return typeof value === 'string' && equalsIgnoreCase(value, matcher.value);
    case 'wildcard':
      return typeof value === 'string' && matcher.regex.test(value);
    case 'numeric':
      return typeof value === 'number' && inRange(value, matcher.lower, matcher.upper);
    case 'cidr': {
      if (typeof value !== 'string') return false;
      const address = parseIp(value);
      return (
        address !== undefined &&
        address.family === matcher.range.family &&
        address.value >= matcher.range.low &&
        address.value <= matcher.range.high
      );
    }
    case 'exists':
      return matcher.exists;
    // Every anything-but matches any present value it does not exclude, whatever its type.
    case 'anything-but':
      if (typeof value === 'string') return !matcher.strings.includes(value);
      if (typeof value === 'number') return !matcher.numbers.some((excluded) => sameNumber(excluded, value));
      return true;
    case 'anything-but-prefix':
      return typeof value !== 'string' || !matcher.values.some((prefix) => value.startsWith(prefix));
    case 'anything-but-suffix':
      return typeof value !== 'string' || !matcher.values.some((suffix) => value.endsWith(suffix));
    case 'anything-but-ignore-case':
      return typeof value !== 'string' || !matcher.values.some((excluded) => equalsIgnoreCase(value, excluded));
    case 'anything-but-wildcard':
      return typeof value !== 'string' || !matcher.regexes.some((regex) => regex.test(value));
  }
};
