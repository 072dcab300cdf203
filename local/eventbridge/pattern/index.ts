/**
 * EventBridge content filtering: validate an event pattern as EventBridge does and match events against it.
 * Pure: no I/O, no clock.
 */
import { compileEventPattern, isCompiledPattern } from './compile';
import { matchesCompiledPattern } from './match';

export { compileEventPattern, isCompiledPattern, type CompiledEventPattern, type PatternField } from './compile';
export { EventPatternInvalidError } from './errors';
export { flattenEvent, matchesCompiledPattern } from './match';

/**
 * Whether `event` matches `pattern` (JSON text, a parsed pattern, or an already compiled one).
 * @throws EventPatternInvalidError when the pattern is malformed.
 */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean => {
  const compiled = isCompiledPattern(pattern) ? pattern : compileEventPattern(pattern);
  return matchesCompiledPattern(compiled, event);
};
