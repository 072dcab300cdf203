/**
 * Matching a compiled event pattern against an event, with EventBridge's array semantics:
 *  - an array in the event matches when any of its elements does (nested arrays are flattened);
 *  - fields of objects inside arrays are addressed by the plain path (`employees.firstName`), but two fields of one
 *    match must not come from different elements of the same array ("array consistency");
 *  - `exists: false` holds when no field at that path is consistent with the fields matched so far, in path order.
 */
import type { CompiledEventPattern, PatternField } from './compile';
import { matchesValue, type LeafValue } from './matchers';

/** Array id -> element index, for every array a field sits in. */
type Membership = ReadonlyMap<number, number>;

interface EventField {
  readonly value: LeafValue;
  readonly membership: Membership;
}

/** Flattens an event to its leaf fields by dotted path. Empty arrays and empty objects contribute no field. */
export const flattenEvent = (event: unknown): ReadonlyMap<string, readonly EventField[]> => {
  const fields = new Map<string, EventField[]>();
  let nextArrayId = 0;
  const walk = (value: unknown, path: string, membership: Membership): void => {
    if (Array.isArray(value)) {
      const arrayId = nextArrayId++;
      value.forEach((element, index) => {
        walk(element, path, new Map(membership).set(arrayId, index));
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`, membership);
    } else if (path !== '' && value !== undefined) {
      const list = fields.get(path) ?? [];
      list.push({ value: value as LeafValue, membership });
      fields.set(path, list);
    }
  };
  walk(event, '', new Map());
  return fields;
};

const consistent = (a: Membership, b: Membership): boolean => {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [arrayId, index] of small) {
    const other = large.get(arrayId);
    if (other !== undefined && other !== index) return false;
  }
  return true;
};

const merge = (a: Membership, b: Membership): Membership => {
  if (b.size === 0) return a;
  const merged = new Map(a);
  for (const [arrayId, index] of b) merged.set(arrayId, index);
  return merged;
};

const matchesBranch = (
  branch: readonly PatternField[],
  fields: ReadonlyMap<string, readonly EventField[]>,
): boolean => {
  const attempt = (position: number, membership: Membership): boolean => {
    const field = branch[position];
    if (!field) return true;
    const candidates = (fields.get(field.path) ?? []).filter((candidate) =>
      consistent(membership, candidate.membership),
    );
    for (const candidate of candidates) {
      if (
        field.matchers.some((matcher) => matchesValue(matcher, candidate.value)) &&
        attempt(position + 1, merge(membership, candidate.membership))
      ) {
        return true;
      }
    }
    const allowsAbsence = field.matchers.some((matcher) => matcher.kind === 'exists' && !matcher.exists);
    return allowsAbsence && candidates.length === 0 && attempt(position + 1, membership);
  };
  return attempt(0, new Map());
};

/** Whether the event (a parsed JSON value) matches the compiled pattern. */
export const matchesCompiledPattern = (pattern: CompiledEventPattern, event: unknown): boolean => {
  const fields = flattenEvent(event);
  return pattern.branches.some((branch) => matchesBranch(branch, fields));
};
