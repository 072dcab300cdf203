/**
 * What a rule target receives: the whole event, a constant Input, the part an InputPath selects, or an
 * InputTransformer's template filled from its InputPathsMap, as EventBridge builds them.
 */

export interface InputTransformer {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

export interface TargetInputSpec {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformer;
}

/** A JSON path EventBridge accepts is malformed. */
export class InputPathInvalidError extends Error {
  constructor(readonly path: string) {
    super(`Invalid JSON path: ${path}`);
    this.name = 'InputPathInvalidError';
  }
}

const SEGMENT = /^(?:\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** Parses `$`, `$.a.b`, `$.a[0]`, `$['a b']` into property/index steps. */
export const parseJsonPath = (path: string): (string | number)[] => {
  if (!path.startsWith('$')) throw new InputPathInvalidError(path);
  const steps: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw new InputPathInvalidError(path);
    const [whole, dotted, index, single, double] = match;
    steps.push(index !== undefined ? Number(index) : (dotted ?? single ?? double ?? ''));
    rest = rest.slice(whole.length);
  }
  return steps;
};

/** The value at a JSON path, or undefined when any step is missing. */
export const selectPath = (value: unknown, path: string): unknown => {
  let current: unknown = value;
  for (const step of parseJsonPath(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
};

export interface TransformContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly ingestionTime: string;
}

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

/**
 * Fills an InputTemplate. Inside a JSON string literal a string value goes in without its quotes (escaped as JSON);
 * elsewhere a value goes in as JSON. Missing values are empty inside quotes and `null` outside.
 */
export const fillTemplate = (template: string, values: ReadonlyMap<string, unknown>): string => {
  // quoted[i]: whether template[i] sits inside a JSON string literal.
  const quoted: boolean[] = [];
  let inString = false;
  for (let index = 0; index < template.length; index += 1) {
    quoted[index] = inString;
    const char = template[index];
    if (char === '\\' && inString) {
      quoted[index + 1] = true;
      index += 1;
    } else if (char === '"') inString = !inString;
  }
  return template.replace(PLACEHOLDER, (placeholder: string, name: string, offset: number) => {
    if (!values.has(name)) return placeholder;
    const value = values.get(name);
    if (quoted[offset]) {
      if (value === undefined) return '';
      return JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value)).slice(1, -1);
    }
    return value === undefined ? 'null' : JSON.stringify(value);
  });
};

/** The input string a target receives for one event. */
export const targetInput = (
  spec: TargetInputSpec,
  event: Record<string, unknown>,
  context: TransformContext,
): string => {
  if (spec.Input !== undefined) return spec.Input;
  if (spec.InputPath !== undefined) return JSON.stringify(selectPath(event, spec.InputPath) ?? null);
  if (spec.InputTransformer) {
    const values = new Map<string, unknown>([
      ['aws.events.rule-name', context.ruleName],
      ['aws.events.rule-arn', context.ruleArn],
      ['aws.events.event.ingestion-time', context.ingestionTime],
      ['aws.events.event', event],
      ['aws.events.event.json', event],
    ]);
    for (const [name, path] of Object.entries(spec.InputTransformer.InputPathsMap ?? {}))
      values.set(name, selectPath(event, path));
    return fillTemplate(spec.InputTransformer.InputTemplate, values);
  }
  return JSON.stringify(event);
};
