/**
 * Bundles every Lambda of core/platform/resources.ts with esbuild, one self-contained CommonJS file per function
 * (SDK and Powertools included, so the deployed code runs exactly the versions the lockfile pins), zipped
 * deterministically into `<outDir>/<name>.zip` with `index.js` (+ source map) at the root: handler `index.handler`.
 * Functions whose entry file does not exist yet are reported as missing, never faked.
 *
 *   npm run bundle                     # all functions into dist/functions: one line per function, then a summary
 *   npm run bundle -- --strict         # exit 1 when an entry is missing
 *   npm run bundle -- --json           # the report as JSON on stdout instead
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { unzipSync, zipSync } from 'fflate';
import { type FunctionSpec, functions as describedFunctions } from '../core/platform/resources';

export interface BuiltBundle {
  readonly name: string;
  readonly entry: string;
  readonly zipPath: string;
  readonly zipBytes: number;
  readonly codeBytes: number;
  readonly warnings: number;
}

export interface BundleReport {
  readonly built: readonly BuiltBundle[];
  readonly missing: readonly { readonly name: string; readonly entry: string }[];
}

export interface BundleOptions {
  readonly rootDir: string;
  readonly outDir: string;
  readonly functions?: readonly FunctionSpec[];
  /** Called after each function is bundled (progress for the command line). */
  readonly onBuilt?: (bundle: BuiltBundle, index: number, total: number) => void;
}

/** A file for `zipFiles`. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/** A fixed timestamp (zip's DOS dates start in 1980), so the same code gives the same zip and the same source hash. */
const FIXED_MTIME = new Date(1980, 0, 2);

/** A deflated zip of the entries, sorted by name, with fixed timestamps: byte-for-byte reproducible (fflate). */
export const zipFiles = (entries: readonly ZipEntry[]): Buffer => {
  const files: Record<string, [Uint8Array, { level: 9; mtime: Date }]> = {};
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name)))
    files[entry.name] = [entry.data, { level: 9, mtime: FIXED_MTIME }];
  return Buffer.from(zipSync(files));
};

/** The files of a zip, in archive order. */
export const unzipFiles = (zip: Uint8Array): { name: string; data: Buffer }[] =>
  Object.entries(unzipSync(zip)).map(([name, data]) => ({ name, data: Buffer.from(data) }));

/** Writes a zip's files below `dir`, creating the sub-folders its names contain (templates/mail/...). */
export const unpackZip = (zip: Uint8Array, dir: string): string[] =>
  unzipFiles(zip).map((file) => {
    const target = join(dir, file.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.data);
    return target;
  });

/** Every file below `dir`, named relative to `prefix`, for a function's bundleAssets. */
const assetFiles = (dir: string, prefix: string): ZipEntry[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? assetFiles(join(dir, entry.name), `${prefix}/${entry.name}`)
      : [{ name: `${prefix}/${entry.name}`, data: readFileSync(join(dir, entry.name)) }],
  );

/** Bundles one function; throws BundleBuildFailedError with esbuild's messages as the cause. */
export const bundleFunction = async (spec: FunctionSpec, options: BundleOptions): Promise<BuiltBundle> => {
  const entry = join(options.rootDir, spec.entry);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    outfile: join(options.outDir, spec.name, 'index.js'),
    write: false,
    logLevel: 'silent',
  }).catch((cause: unknown) => {
    throw new BundleBuildFailedError(`esbuild failed for ${spec.name} (${spec.entry})`, { cause });
  });
  const files = [
    ...result.outputFiles.map((file) => ({ name: basename(file.path), data: file.contents })),
    ...(spec.bundleAssets ?? []).flatMap((asset) => assetFiles(join(options.rootDir, asset.from), asset.to)),
  ];
  const zip = zipFiles(files);
  const zipPath = join(options.outDir, `${spec.name}.zip`);
  writeFileSync(zipPath, zip);
  const code = files.find((f) => f.name === 'index.js');
  return {
    name: spec.name,
    entry: spec.entry,
    zipPath,
    zipBytes: zip.length,
    codeBytes: code?.data.length ?? 0,
    warnings: result.warnings.length,
  };
};

/** Bundles every function whose entry exists; lists the others as missing. */
export const bundleFunctions = async (options: BundleOptions): Promise<BundleReport> => {
  const specs = options.functions ?? describedFunctions;
  mkdirSync(options.outDir, { recursive: true });
  const present = specs.filter((spec) => existsSync(join(options.rootDir, spec.entry)));
  const missing = specs
    .filter((spec) => !present.includes(spec))
    .map((spec) => ({ name: spec.name, entry: spec.entry }));
  const built: BuiltBundle[] = [];
  for (const spec of present) {
    const bundle = await bundleFunction(spec, options);
    options.onBuilt?.(bundle, built.length + 1, present.length);
    built.push(bundle);
  }
  return { built, missing };
};

export class BundleBuildFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BundleBuildFailedError';
  }
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

const main = async (): Promise<void> => {
  const rootDir = resolve(__dirname, '..');
  const outDir = join(rootDir, 'dist', 'functions');
  const json = process.argv.includes('--json');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const report = await bundleFunctions({
    rootDir,
    outDir,
    onBuilt: json
      ? undefined
      : (bundle, index, total) =>
          say(
            `bundle ${String(index).padStart(2)}/${total} ${bundle.name.padEnd(22)} ${kib(bundle.zipBytes).padStart(8)} zip`,
          ),
  });
  if (json)
    process.stdout.write(
      `${JSON.stringify({ built: report.built.map(({ name, zipBytes, codeBytes }) => ({ name, zipBytes, codeBytes })), missing: report.missing }, null, 2)}\n`,
    );
  for (const missing of report.missing)
    say(
      `warning: ${missing.name}: entry ${missing.entry} does not exist; no bundle (terraform plan will fail on its zip)`,
    );
  const total = report.built.reduce((sum, b) => sum + b.zipBytes, 0);
  say(
    `bundle done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${report.built.length} functions, ${kib(total)} in ${relative(process.cwd(), outDir) || '.'}${report.missing.length > 0 ? `, ${report.missing.length} missing` : ''}`,
  );
  if (process.argv.includes('--strict') && report.missing.length > 0) process.exitCode = 1;
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? `${error.name}: ${error.message}\n${String((error as { cause?: unknown }).cause ?? '')}` : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
