/**
 * The API image's tag: a hash of exactly the files its build reads (the `.dockerignore` allow-list: package.json,
 * the lockfile, tsconfig.json, core/, api/ without tests, plus api/Dockerfile). The same sources give the same tag,
 * so synth names the image `npm run deploy` pushes without being told, a rebuild of unchanged code pushes nothing
 * (ECR tags are IMMUTABLE), and a code change always gets a new tag, so ECS rolls out a new task definition.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The Dockerfile of the API image, relative to the repository root. */
export const apiDockerfile = 'api/Dockerfile';

interface IgnoreRule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

/** `.dockerignore` lines as rules; supports `**`, `*`, `dir/**`, `**‍/name` and `!` (what this repository uses). */
export const parseDockerignore = (text: string): IgnoreRule[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = glob
        .split('/')
        .map((part) => (part === '**' ? '\u0000' : part.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '[^/]*')))
        .join('/')
        .replaceAll('\u0000/', '(?:.*/)?')
        .replaceAll('/\u0000', '(?:/.*)?')
        .replaceAll('\u0000', '.*');
      // A rule that names a directory also covers everything below it (Docker's behaviour).
      return { negated, pattern: new RegExp(`^${source}(?:/.*)?$`) };
    });

/** Whether Docker sends `path` (posix, relative to the context root) to the build: the last matching rule wins. */
export const inBuildContext = (rules: readonly IgnoreRule[], path: string): boolean => {
  let ignored = false;
  for (const rule of rules) if (rule.pattern.test(path)) ignored = !rule.negated;
  return !ignored;
};

const walk = (dir: string, root: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    // Never part of this build's context, and large: skipped rather than walked and filtered.
    if (
      entry.isDirectory() &&
      (entry.name === 'node_modules' || entry.name === 'cdktf.out' || entry.name.startsWith('.'))
    )
      return [];
    const full = join(dir, entry.name);
    return entry.isDirectory() ? walk(full, root) : entry.isFile() ? [relative(root, full).split(sep).join('/')] : [];
  });

/** The files of the API build context, sorted, relative to the repository root (the Dockerfile included). */
export const imageInputs = (rootDir: string): string[] => {
  const ignoreFile = join(rootDir, '.dockerignore');
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const files = walk(rootDir, rootDir).filter((file) => inBuildContext(rules, file));
  return [...new Set([...files, ...(existsSync(join(rootDir, apiDockerfile)) ? [apiDockerfile] : [])])].sort();
};

/** `src-<16 hex>`: sha256 over the path and content of every image input. */
export const apiImageTag = (rootDir: string): string => {
  const hash = createHash('sha256');
  for (const file of imageInputs(rootDir)) {
    hash.update(`${file}\u0000`);
    hash.update(readFileSync(join(rootDir, file)));
    hash.update('\u0000');
  }
  return `src-${hash.digest('hex').slice(0, 16)}`;
};
