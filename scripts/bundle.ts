/**
 * Bundles every Lambda of core/platform/resources.ts with esbuild, one self-contained CommonJS file per function
 * (SDK and Powertools included, so the deployed code runs exactly the versions the lockfile pins), zipped
 * deterministically into `<outDir>/<name>.zip` with `index.js` (+ source map) at the root: handler `index.handler`.
 * Functions whose entry file does not exist yet are reported as missing, never faked.
 *
 *   npm run bundle                     # all functions into dist/functions, report on stdout (JSON)
 *   npm run bundle -- --strict         # exit 1 when an entry is missing
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { FunctionSpec, functions as describedFunctions } from '../core/platform/resources';

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
}

/** A file for `zipFiles`. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/** DOS date 1980-01-01 00:00: a fixed timestamp, so the same code gives the same zip and the same source hash. */
const fixedDosTime = 0;
const fixedDosDate = (0 << 9) | (1 << 5) | 1;

/** A deflated zip archive of the entries, sorted by name, with fixed timestamps (byte-for-byte reproducible). */
export const zipFiles = (entries: readonly ZipEntry[]): Buffer => {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(fixedDosTime, 10);
    local.writeUInt16LE(fixedDosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(fixedDosTime, 12);
    central.writeUInt16LE(fixedDosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
};

/** The files of a zip written by `zipFiles` (deflate or stored entries), read through its central directory. */
export const unzipFiles = (zip: Buffer): { name: string; data: Buffer }[] => {
  const signature = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
  const end = zip.length >= 22 && zip.subarray(zip.length - 22, zip.length - 18).equals(signature) ? zip.length - 22 : zip.lastIndexOf(signature);
  if (end < 0) throw new BundleZipInvalidError('no end of central directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    files.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
};

/** Bundles one function; throws BundleBuildFailedError with esbuild's messages as the cause. */
export const bundleFunction = async (spec: FunctionSpec, options: BundleOptions): Promise<BuiltBundle> => {
  const entry = join(options.rootDir, spec.entry);
  let result;
  try {
    result = await build({
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
    });
  } catch (cause) {
    throw new BundleBuildFailedError(`esbuild failed for ${spec.name} (${spec.entry})`, { cause });
  }
  const files = result.outputFiles.map((file) => ({ name: basename(file.path), data: file.contents }));
  const zip = zipFiles(files);
  const zipPath = join(options.outDir, `${spec.name}.zip`);
  writeFileSync(zipPath, zip);
  const code = files.find((f) => f.name === 'index.js');
  return { name: spec.name, entry: spec.entry, zipPath, zipBytes: zip.length, codeBytes: code?.data.length ?? 0, warnings: result.warnings.length };
};

/** Bundles every function whose entry exists; lists the others as missing. */
export const bundleFunctions = async (options: BundleOptions): Promise<BundleReport> => {
  const specs = options.functions ?? describedFunctions;
  mkdirSync(options.outDir, { recursive: true });
  const present = specs.filter((spec) => existsSync(join(options.rootDir, spec.entry)));
  const missing = specs.filter((spec) => !present.includes(spec)).map((spec) => ({ name: spec.name, entry: spec.entry }));
  const built: BuiltBundle[] = [];
  for (const spec of present) built.push(await bundleFunction(spec, options));
  return { built, missing };
};

export class BundleZipInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleZipInvalidError';
  }
}

export class BundleBuildFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BundleBuildFailedError';
  }
}

const main = async (): Promise<void> => {
  const rootDir = resolve(__dirname, '..');
  const report = await bundleFunctions({ rootDir, outDir: join(rootDir, 'dist', 'functions') });
  process.stdout.write(`${JSON.stringify({ built: report.built.map(({ name, zipBytes, codeBytes }) => ({ name, zipBytes, codeBytes })), missing: report.missing }, null, 2)}\n`);
  if (process.argv.includes('--strict') && report.missing.length > 0) process.exitCode = 1;
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}\n${String((error as { cause?: unknown }).cause ?? '')}` : String(error)}\n`);
    process.exitCode = 1;
  });
}
