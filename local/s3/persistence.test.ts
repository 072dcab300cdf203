import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdge } from '../edge/server';
import { LocalS3 } from './local-s3';
import { fileObjectPersistence } from './persistence';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** One local S3 over `dir`, served on an edge, used through the unmodified S3 client, then closed (a "run"). */
const run = async <T>(dir: string, use: (s3: S3Client) => Promise<T>): Promise<T> => {
  const local = new LocalS3(Date.now, fileObjectPersistence(dir));
  local.createBucket('receipts');
  const edge = await startEdge({ services: [local] });
  const s3 = new S3Client({ endpoint: edge.url, region: 'us-east-1', credentials, forcePathStyle: true });
  try {
    return await use(s3);
  } finally {
    s3.destroy();
    await edge.close();
  }
};

describe('the local S3 with a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recovery-s3-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers an object written before a restart, with its type and metadata', async () => {
    // prepare
    await run(dir, (s3) =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'receipts',
          Key: 'receipts/01J#1.pdf',
          Body: Buffer.from('%PDF-1.7 kept'),
          ContentType: 'application/pdf',
          Metadata: { order: 'o-1' },
        }),
      ),
    );
    // act
    const object = await run(dir, async (s3) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'receipts/01J#1.pdf' }));
      return { body: await got.Body?.transformToString(), type: got.ContentType, metadata: got.Metadata };
    });
    // assess
    expect(object).toEqual({ body: '%PDF-1.7 kept', type: 'application/pdf', metadata: { order: 'o-1' } });
  });

  it('forgets an object deleted before the restart', async () => {
    // prepare
    await run(dir, async (s3) => {
      await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'gone.pdf', Body: 'x' }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'receipts', Key: 'gone.pdf' }));
    });
    // act
    const answer = await run(dir, (s3) =>
      s3.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'gone.pdf' })).then(
        () => 'found',
        (error: Error) => error.name,
      ),
    );
    // assess
    expect(answer).toBe('NoSuchKey');
  });

  it('keeps objects of a bucket created again through the API', async () => {
    // prepare
    await run(dir, (s3) => s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'a.txt', Body: 'a' })));
    // act
    const body = await run(dir, async (s3) => {
      await s3.send(new CreateBucketCommand({ Bucket: 'receipts' })).catch(() => undefined);
      return (await s3.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'a.txt' }))).Body?.transformToString();
    });
    // assess
    expect(body).toBe('a');
  });
});
