import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiImageTag, imageInputs } from './image-tag';

describe('the API image tag', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'image-tag-'));
    writeFileSync(join(root, '.dockerignore'), '**\n!package.json\n!core/**\n!api/**\n**/*.test.ts\n');
    write('package.json', '{}');
    write('api/server.ts', 'export {};');
    write('api/Dockerfile', 'FROM node:22');
    write('core/order.ts', 'export const a = 1;');
    write('ui/app.ts', 'ui');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hashes exactly the files the Docker build context holds', () => {
    write('api/server.test.ts', 'test');
    expect(imageInputs(root)).toEqual(['api/Dockerfile', 'api/server.ts', 'core/order.ts', 'package.json']);
  });

  it('changes when an image source changes, and not when a file outside the image does', () => {
    const before = apiImageTag(root);
    write('ui/app.ts', 'ui changed');
    write('api/server.test.ts', 'a test');
    expect(apiImageTag(root)).toBe(before);
    write('core/order.ts', 'export const a = 2;');
    expect(apiImageTag(root)).not.toBe(before);
  });

  it('is a valid, immutable-friendly tag for this repository', () => {
    expect(apiImageTag(resolve(__dirname, '..'))).toMatch(/^src-[0-9a-f]{16}$/);
    expect(imageInputs(resolve(__dirname, '..'))).toEqual(
      expect.arrayContaining(['api/Dockerfile', 'api/server.ts', 'package-lock.json']),
    );
  });
});
