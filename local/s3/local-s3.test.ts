import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startEdge, type RunningEdge } from '../edge/server';
import { decodeAwsChunked, LocalS3 } from './local-s3';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('local S3 through the unmodified S3 client', () => {
  let edge: RunningEdge;
  let s3: S3Client;
  let now = Date.now();
  const local = new LocalS3(() => now);

  beforeAll(async () => {
    edge = await startEdge({ services: [local] });
    s3 = new S3Client({ endpoint: edge.url, region: 'us-east-1', credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'receipts' }));
  });
  afterAll(async () => {
    s3.destroy();
    await edge.close();
  });
  beforeEach(() => {
    now = Date.now();
  });

  it('stores an object and answers it with its type, length and metadata', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'receipts',
        Key: 'receipts/o-1.pdf',
        Body: Buffer.from('%PDF-1.7 hello'),
        ContentType: 'application/pdf',
        Metadata: { order: 'o-1' },
      }),
    );

    const object = await s3.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'receipts/o-1.pdf' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'receipts', Key: 'receipts/o-1.pdf' }));

    expect(await object.Body?.transformToString()).toBe('%PDF-1.7 hello');
    expect(object.ContentType).toBe('application/pdf');
    expect(object.Metadata).toEqual({ order: 'o-1' });
    expect(head.ContentLength).toBe(14);
  });

  it('stores an upload the SDK sends aws-chunked with a trailing checksum (default checksum settings)', async () => {
    const defaults = new S3Client({ endpoint: edge.url, region: 'us-east-1', credentials, forcePathStyle: true });

    await defaults.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'chunked.txt', Body: 'chunk me' }));

    const object = await defaults.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'chunked.txt' }));
    expect(await object.Body?.transformToString()).toBe('chunk me');
    defaults.destroy();
  });

  it('lists objects by prefix, page by page', async () => {
    for (const key of ['list/a', 'list/b', 'list/c', 'other/x'])
      await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: key, Body: key }));

    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'receipts', Prefix: 'list/', MaxKeys: 2 }));
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'receipts',
        Prefix: 'list/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    expect(first.Contents?.map((c) => c.Key)).toEqual(['list/a', 'list/b']);
    expect(first.IsTruncated).toBe(true);
    expect(second.Contents?.map((c) => c.Key)).toEqual(['list/c']);
    expect(second.IsTruncated).toBe(false);
  });

  it('serves a presigned GET URL to plain fetch() until it expires', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'signed.pdf', Body: 'signed body' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'receipts', Key: 'signed.pdf' }), {
      expiresIn: 60,
    });

    const fresh = await fetch(url);
    now += 61_000;
    const expired = await fetch(url);

    expect(await fresh.text()).toBe('signed body');
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('answers NoSuchKey for a deleted object and NoSuchBucket for an unknown bucket', async () => {
    expect.assertions(2);
    await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'gone', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'receipts', Key: 'gone' }));

    await s3
      .send(new GetObjectCommand({ Bucket: 'receipts', Key: 'gone' }))
      .catch((error: Error) => expect(error.name).toBe('NoSuchKey'));
    await s3
      .send(new PutObjectCommand({ Bucket: 'nope', Key: 'k', Body: 'x' }))
      .catch((error: Error) => expect(error.name).toBe('NoSuchBucket'));
  });

  it('decodes an aws-chunked body made of several chunks and trailers', () => {
    const encoded = Buffer.from(
      '5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n',
    );

    expect(decodeAwsChunked(encoded).toString()).toBe('hello world');
  });
});
