import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FunctionSpec } from '../core/platform/resources';
import { bundleFunctions, BundleBuildFailedError, unpackZip, unzipFiles, zipFiles } from './bundle';

const spec = (name: string, entry: string): FunctionSpec => ({
  name,
  description: name,
  entry,
  timeoutSeconds: 3,
  memoryMb: 128,
});

describe('zipFiles', () => {
  const entriesArb = fc.uniqueArray(
    fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/), data: fc.uint8Array({ maxLength: 2000 }) }),
    {
      selector: (e) => e.name,
      maxLength: 6,
    },
  );

  it('round-trips any set of files', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const read = unzipFiles(zipFiles(entries));
        const expected = [...entries].sort((a, b) => a.name.localeCompare(b.name));
        return (
          read.length === expected.length &&
          read.every(
            (r, i) => r.name === expected[i].name && Buffer.compare(r.data, Buffer.from(expected[i].data)) === 0,
          )
        );
      }),
    );
  });

  it('is reproducible: the same files in any order give the same bytes', () => {
    fc.assert(fc.property(entriesArb, (entries) => zipFiles(entries).equals(zipFiles([...entries].reverse()))));
  });
});

describe('bundleFunctions', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-test-'));
    mkdirSync(join(root, 'lambdas'));
    writeFileSync(
      join(root, 'lambdas', 'greeting.ts'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source written to a file; its template literal is meant for esbuild
      'export const greeting = (name: string): string => `hello ${name}`;\n',
    );
    writeFileSync(
      join(root, 'lambdas', 'hello.ts'),
      "import { greeting } from './greeting';\nexport const handler = async (event: { name: string }) => ({ message: greeting(event.name) });\n",
    );
    writeFileSync(join(root, 'lambdas', 'broken.ts'), 'export const handler = (;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('bundles an existing entry into a zip whose index.js exports the handler, and reports missing entries', async () => {
    const outDir = join(root, 'dist');
    const report = await bundleFunctions({
      rootDir: root,
      outDir,
      functions: [spec('hello', 'lambdas/hello.ts'), spec('absent', 'lambdas/absent.ts')],
    });
    expect(report.missing).toEqual([{ name: 'absent', entry: 'lambdas/absent.ts' }]);
    expect(report.built.map((b) => b.name)).toEqual(['hello']);
    execFileSync('unzip', ['-q', '-o', report.built[0].zipPath, '-d', join(outDir, 'unpacked')]);
    const bundled = require(join(outDir, 'unpacked', 'index.js')) as {
      handler: (e: { name: string }) => Promise<{ message: string }>;
    };
    await expect(bundled.handler({ name: 'ada' })).resolves.toEqual({ message: 'hello ada' });
    expect(unzipFiles(readFileSync(report.built[0].zipPath)).map((e) => e.name)).toEqual(['index.js', 'index.js.map']);
  });

  it("copies a function's bundleAssets beside index.js, where the code finds them through __dirname", async () => {
    mkdirSync(join(root, 'lambdas', 'templates', 'mail'), { recursive: true });
    writeFileSync(join(root, 'lambdas', 'templates', 'mail', 'hello.txt'), 'hello {{name}}');
    writeFileSync(
      join(root, 'lambdas', 'read.ts'),
      "import { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nexport const handler = async () => readFileSync(join(__dirname, 'templates', 'mail', 'hello.txt'), 'utf8');\n",
    );
    const outDir = join(root, 'dist');

    const report = await bundleFunctions({
      rootDir: root,
      outDir,
      functions: [
        { ...spec('reader', 'lambdas/read.ts'), bundleAssets: [{ from: 'lambdas/templates', to: 'templates' }] },
      ],
    });
    execFileSync('unzip', ['-q', '-o', report.built[0].zipPath, '-d', join(outDir, 'unpacked-assets')]);
    const bundled = require(join(outDir, 'unpacked-assets', 'index.js')) as { handler: () => Promise<string> };

    expect(unzipFiles(readFileSync(report.built[0].zipPath)).map((e) => e.name)).toContain('templates/mail/hello.txt');
    await expect(bundled.handler()).resolves.toBe('hello {{name}}');
  });

  it('produces the same zip twice (stable source_code_hash)', async () => {
    const functions = [spec('hello', 'lambdas/hello.ts')];
    const first = readFileSync(
      (await bundleFunctions({ rootDir: root, outDir: join(root, 'a'), functions })).built[0].zipPath,
    );
    const second = readFileSync(
      (await bundleFunctions({ rootDir: root, outDir: join(root, 'b'), functions })).built[0].zipPath,
    );
    expect(first.equals(second)).toBe(true);
  });

  it('fails with BundleBuildFailedError naming the function when esbuild cannot build it', async () => {
    expect.assertions(1);
    await expect(
      bundleFunctions({ rootDir: root, outDir: join(root, 'dist'), functions: [spec('broken', 'lambdas/broken.ts')] }),
    ).rejects.toThrow(BundleBuildFailedError);
  });
});

describe('unpackZip', () => {
  it('writes files of sub-folders (a bundle with templates), creating the folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unpack-test-'));
    try {
      const zip = zipFiles([
        { name: 'index.js', data: Buffer.from('x') },
        { name: 'templates/mail/confirmed.html', data: Buffer.from('<p>hi</p>') },
      ]);

      unpackZip(zip, dir);

      expect(readFileSync(join(dir, 'templates', 'mail', 'confirmed.html'), 'utf8')).toBe('<p>hi</p>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
