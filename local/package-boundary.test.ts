/**
 * The package's boundary, checked over its own import graph: nothing in local/ imports the product (core/, api/,
 * lambdas/, modules/, scripts/) or anything else outside the package, and the relative imports form no cycle, so
 * every engine can be read before the protocol that serves it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = __dirname;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });

/** The module specifiers of `import ... from`, `export ... from` and `require(...)` in a file. */
const specifiers = (file: string): string[] => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'([^']+)'/g)].map((match) => match[1]);
};

const resolveRelative = (from: string, specifier: string): string => {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this candidate
    }
  }
  return base;
};

/** Every cycle of the relative import graph, each as the list of files around it. */
const findCycles = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open')
        cycles.push([...stack.slice(stack.indexOf(next)), next].map((file) => relative(ROOT, file)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
};

describe('the local cloud package boundary', () => {
  const files = sourceFiles(ROOT);
  const graph = new Map(
    files.map((file) => [
      file,
      specifiers(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolveRelative(file, s)),
    ]),
  );

  it('imports nothing outside local/ by a relative path', () => {
    const escaping = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => relative(ROOT, target).startsWith('..'))
        .map((target) => `${relative(ROOT, file)} -> ${relative(ROOT, target)}`),
    );
    expect(escaping).toEqual([]);
  });

  it('imports no other workspace package (the product is not a dependency)', () => {
    const product = files.flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith('@order-platform/'))
        .map((s) => `${relative(ROOT, file)} -> ${s}`),
    );
    expect(product).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(findCycles(graph)).toEqual([]);
  });
});
