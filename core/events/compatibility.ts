/**
 * Is a new version of an event schema compatible with the published one, in both directions? Consumers of the new
 * schema must read archived events (replay) and consumers of the old one must read new events. So the only
 * compatible change is an optional field added or dropped; everything else — a required field removed or added,
 * a field made optional or required, a changed type, enum, format or bound — is breaking and needs a new version
 * (docs/events.md). Works on the JSON Schema draft-07 that zod generates (core/events/contracts.ts); keywords it
 * does not understand must be equal, so an unknown construct errs on the side of "breaking".
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonSchema } from './contracts';

/** Keywords that only document, or that consumers ignore (they strip unknown fields). */
const IGNORED = new Set(['title', 'description', 'examples', '$schema', 'additionalProperties', 'readOnly']);

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const names = (value: unknown): readonly string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Every breaking difference between the published schema and the current one, as readable sentences. */
export const breakingChanges = (published: JsonSchema, current: JsonSchema, at = '(detail)'): string[] => {
  const changes: string[] = [];
  const keys = new Set([...Object.keys(published), ...Object.keys(current)]);
  for (const key of keys) {
    if (IGNORED.has(key) || key === 'properties' || key === 'required' || key === 'items') continue;
    if (!isDeepStrictEqual(published[key], current[key]))
      changes.push(`${at}: "${key}" changed from ${JSON.stringify(published[key])} to ${JSON.stringify(current[key])}`);
  }
  const wasRequired = new Set(names(published.required));
  const isRequired = new Set(names(current.required));
  const before = isObject(published.properties) ? published.properties : {};
  const after = isObject(current.properties) ? current.properties : {};
  for (const field of wasRequired)
    if (!isRequired.has(field))
      changes.push(
        field in after
          ? `${at}.${field}: was required, is optional now (consumers of the published version rely on it)`
          : `${at}.${field}: required field removed`,
      );
  for (const field of isRequired)
    if (!wasRequired.has(field))
      changes.push(
        field in before
          ? `${at}.${field}: was optional, is required now (archived events may lack it)`
          : `${at}.${field}: new required field (archived events lack it; add it as optional)`,
      );
  for (const [field, schema] of Object.entries(before)) {
    const next = after[field];
    if (isObject(schema) && isObject(next)) changes.push(...breakingChanges(schema, next, `${at}.${field}`));
  }
  if (isObject(published.items) && isObject(current.items))
    changes.push(...breakingChanges(published.items, current.items, `${at}[]`));
  else if (!isDeepStrictEqual(published.items, current.items))
    changes.push(`${at}: "items" changed from ${JSON.stringify(published.items)} to ${JSON.stringify(current.items)}`);
  return changes;
};
