/**
 * IAM's evaluation of identity-based policies, for the local cloud's enforcement: the same statements the deployed
 * roles carry decide locally whether a call is allowed, so a permission missing in AWS is missing here too.
 *
 * Follows AWS's documented logic for one principal in one account with identity-based policies only: an explicit
 * Deny in any matching statement wins; otherwise one matching Allow allows; otherwise the request is implicitly
 * denied. Statement order does not matter. Action names match case-insensitively, resource ARNs case-sensitively;
 * both take the wildcards `*` (any run of characters) and `?` (one character); in an ARN a wildcard stays within
 * its colon-separated segment unless a `*` ends the segment, as the Resource element and ArnLike read them.
 */

/** One statement of an IAM policy document, as AWS's JSON spells it. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  /** `{ Operator: { key: value | values } }`; keys are ANDed, values of one key ORed. */
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** What is asked: one action on one resource, with the request's condition keys. */
export interface AuthorizationRequest {
  /** `service:Operation`, e.g. `sqs:SendMessage`. */
  readonly action: string;
  /** The ARN the operation touches, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys of the request context (lower-cased names are compared case-insensitively). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

const escapeRegExp = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

const globCache = new Map<string, RegExp>();

/** `*` and `?` wildcards over the whole string; case-insensitive for action names. */
const globToRegExp = (pattern: string, caseInsensitive: boolean): RegExp => {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let compiled = globCache.get(key);
  if (compiled === undefined) {
    const source = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch)))
      .join('');
    compiled = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    globCache.set(key, compiled);
  }
  return compiled;
};

/** Whether an action pattern (`sqs:Send*`, `*`) matches an action name; case-insensitive, as IAM compares actions. */
export const actionMatches = (pattern: string, action: string): boolean => globToRegExp(pattern, true).test(action);

const arnCache = new Map<string, RegExp>();

/**
 * An ARN pattern as IAM reads it: `*` and `?` within a segment (the parts between colons), except that a `*` that
 * ends a segment may expand past the colons after it (AWS: "If the * wildcard is the last character of a resource
 * ARN segment, it can expand to match beyond the colon boundaries").
 */
const arnPatternToRegExp = (pattern: string): RegExp => {
  let compiled = arnCache.get(pattern);
  if (compiled === undefined) {
    let source = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const ch = pattern[i] as string;
      const next = pattern[i + 1];
      if (ch === '*') source += next === undefined || next === ':' ? '.*' : '[^:]*';
      else if (ch === '?') source += '[^:]';
      else source += escapeRegExp(ch);
    }
    compiled = new RegExp(`^${source}$`, 's');
    arnCache.set(pattern, compiled);
  }
  return compiled;
};

/** Whether a resource pattern matches an ARN: case-sensitive, with IAM's wildcards. */
export const resourceMatches = (pattern: string, resource: string): boolean =>
  pattern === '*' || arnPatternToRegExp(pattern).test(resource);

const contextValues = (context: AuthorizationRequest['context'], key: string): readonly string[] | undefined => {
  if (context === undefined) return undefined;
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === wanted) return list(value);
  return undefined;
};

type ValueTest = (expected: string, actual: string) => boolean;

const OPERATORS: Readonly<Record<string, { readonly test: ValueTest; readonly negated: boolean }>> = {
  StringEquals: { test: (e, a) => e === a, negated: false },
  StringNotEquals: { test: (e, a) => e === a, negated: true },
  StringEqualsIgnoreCase: { test: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: true },
  StringLike: { test: (e, a) => globToRegExp(e, false).test(a), negated: false },
  StringNotLike: { test: (e, a) => globToRegExp(e, false).test(a), negated: true },
  ArnEquals: { test: (e, a) => e === a, negated: false },
  ArnNotEquals: { test: (e, a) => e === a, negated: true },
  ArnLike: { test: (e, a) => resourceMatches(e, a), negated: false },
  ArnNotLike: { test: (e, a) => resourceMatches(e, a), negated: true },
  Bool: { test: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
};

/** A condition operator this evaluator does not know; a statement using one is a bug in the policy or here. */
export class IamConditionOperatorUnsupportedError extends Error {
  constructor(operator: string) {
    super(`The local IAM evaluator does not support the condition operator ${operator}`);
    this.name = 'IamConditionOperatorUnsupportedError';
  }
}

/** AWS: keys ANDed; values of one key ORed; a missing key fails a positive operator and passes a negated one; `...IfExists` passes a missing key. */
const conditionHolds = (condition: PolicyStatement['Condition'], context: AuthorizationRequest['context']): boolean => {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([rawOperator, keys]) => {
    const ifExists = rawOperator.endsWith('IfExists');
    const operatorName = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    const operator = OPERATORS[operatorName];
    if (operator === undefined) throw new IamConditionOperatorUnsupportedError(rawOperator);
    return Object.entries(keys).every(([key, expectedValues]) => {
      const actual = contextValues(context, key);
      if (actual === undefined || actual.length === 0) return ifExists || operator.negated;
      const expected = list(expectedValues);
      // Single-valued keys: the value must match one expected value (negated: none).
      const matched = actual.some((a) => expected.some((e) => operator.test(e, a)));
      return operator.negated ? !matched : matched;
    });
  });
};

/** Whether one statement applies to the request (its Effect aside). */
export const statementMatches = (statement: PolicyStatement, request: AuthorizationRequest): boolean => {
  const actionOk =
    statement.NotAction !== undefined
      ? !list(statement.NotAction).some((p) => actionMatches(p, request.action))
      : list(statement.Action).some((p) => actionMatches(p, request.action));
  if (!actionOk) return false;
  const resourceOk =
    statement.NotResource !== undefined
      ? !list(statement.NotResource).some((p) => resourceMatches(p, request.resource))
      : list(statement.Resource).some((p) => resourceMatches(p, request.resource));
  return resourceOk && conditionHolds(statement.Condition, request.context);
};

/** The decision of identity-based policies alone (one account, no boundaries, SCPs or session policies). */
export const evaluate = (statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision => {
  let allowed = false;
  for (const statement of statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
};
