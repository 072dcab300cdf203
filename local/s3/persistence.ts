/**
 * Keeps the local S3's objects across restarts when the local cloud has a data directory (DATA_DIR), as DynamoDB
 * Local keeps the table: receipts written before a crash are still there after it (issue 15). One file per object
 * and one for its metadata, under `<dir>/<bucket>/`, the key percent-encoded into the file name. Writes are
 * synchronous and atomic (a temporary file renamed), so an object S3 answered 200 for survives a kill -9 right after.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PersistedObject {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Where the local S3 writes through to; absent, objects live in memory only. */
export interface ObjectPersistence {
  load(bucket: string): Iterable<readonly [string, PersistedObject]>;
  put(bucket: string, key: string, object: PersistedObject): void;
  delete(bucket: string, key: string): void;
  clear(bucket: string): void;
}

const META = '.meta.json';

const writeAtomically = (path: string, data: Buffer | string): void => {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
};

/** Objects as files under `dir`, one folder per bucket. */
export const fileObjectPersistence = (dir: string): ObjectPersistence => {
  const folder = (bucket: string): string => {
    const path = join(dir, bucket);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const file = (bucket: string, key: string): string => join(folder(bucket), encodeURIComponent(key));
  return {
    *load(bucket) {
      for (const name of readdirSync(folder(bucket))) {
        if (!name.endsWith(META)) continue;
        const encoded = name.slice(0, -META.length);
        const meta = JSON.parse(readFileSync(join(folder(bucket), name), 'utf8')) as {
          contentType: string;
          etag: string;
          lastModified: string;
          metadata: Record<string, string>;
        };
        let body: Buffer;
        try {
          body = readFileSync(join(folder(bucket), encoded));
        } catch {
          continue;
        }
        yield [
          decodeURIComponent(encoded),
          {
            body,
            contentType: meta.contentType,
            etag: meta.etag,
            lastModified: new Date(meta.lastModified),
            metadata: meta.metadata,
          },
        ] as const;
      }
    },
    put(bucket, key, object) {
      const path = file(bucket, key);
      // The body first: a metadata file is the mark of a complete object.
      writeAtomically(path, object.body);
      writeAtomically(
        `${path}${META}`,
        JSON.stringify({
          contentType: object.contentType,
          etag: object.etag,
          lastModified: object.lastModified.toISOString(),
          metadata: object.metadata,
        }),
      );
    },
    delete(bucket, key) {
      const path = file(bucket, key);
      rmSync(`${path}${META}`, { force: true });
      rmSync(path, { force: true });
    },
    clear(bucket) {
      rmSync(join(dir, bucket), { recursive: true, force: true });
    },
  };
};
