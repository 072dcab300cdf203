/**
 * A small S3 (signing name `s3`, REST-XML) for the local cloud: buckets and objects in memory, path-style
 * (`/<bucket>/<key>`) or virtual-hosted (`<bucket>.localhost`) addressing, aws-chunked uploads decoded, and presigned
 * GET URLs that work with plain fetch() and expire as AWS's do. Signatures are not verified (any local key is accepted).
 */
import { createHash } from 'node:crypto';
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import type { ObjectPersistence } from './persistence';

interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

export class S3RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'S3RequestError';
  }
}

const xmlEscape = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const xml = (status: number, body: string, headers: Record<string, string> = {}): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/xml', ...headers },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
});

const errorResponse = (error: S3RequestError, resource: string, method: string): EdgeResponse =>
  method === 'HEAD'
    ? { status: error.status, headers: { 'x-amz-error-code': error.code } }
    : xml(
        error.status,
        `<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message><Resource>${xmlEscape(resource)}</Resource><RequestId>local</RequestId></Error>`,
      );

const header = (request: EdgeRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Decodes an aws-chunked body (`<hex>[;chunk-signature=...]\r\n<data>\r\n ... 0...\r\n[trailers]`). */
export const decodeAwsChunked = (body: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0)
      throw new S3RequestError('IncompleteBody', 'The aws-chunked body ended inside a chunk header', 400);
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0)
      throw new S3RequestError('InvalidRequest', 'The aws-chunked body has an invalid chunk size', 400);
    if (size === 0) break;
    const start = lineEnd + 2;
    if (start + size > body.length)
      throw new S3RequestError('IncompleteBody', 'The aws-chunked body is shorter than its chunk sizes', 400);
    parts.push(body.subarray(start, start + size));
    offset = start + size + 2;
  }
  return Buffer.concat(parts);
};

const isChunked = (request: EdgeRequest): boolean =>
  (header(request, 'content-encoding') ?? '').includes('aws-chunked') ||
  (header(request, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-');

/** `20260101T000000Z` -> Date. */
const parseAmzDate = (value: string): Date | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
};

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class LocalS3 implements ServiceEmulator {
  readonly signingNames = ['s3'] as const;
  private readonly buckets = new Map<string, { created: Date; objects: Map<string, StoredObject> }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Writes objects through to files (DATA_DIR) and loads them when a bucket is created (./persistence.ts). */
    private readonly persistence?: ObjectPersistence,
  ) {}

  /** Creates a bucket (in-process API for the local cloud); an existing bucket is left as it is. */
  createBucket(name: string): void {
    if (!BUCKET_NAME.test(name))
      throw new S3RequestError('InvalidBucketName', `The specified bucket is not valid: ${name}`, 400);
    if (!this.buckets.has(name))
      this.buckets.set(name, { created: new Date(this.now()), objects: new Map(this.persistence?.load(name) ?? []) });
  }

  /** Empties every bucket (the control plane's reset); buckets stay. */
  clear(): void {
    for (const [name, bucket] of this.buckets) {
      bucket.objects.clear();
      this.persistence?.clear(name);
    }
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    const { bucket, key } = this.address(request);
    try {
      this.checkPresignedExpiry(request);
      return this.route(request, bucket, key);
    } catch (error) {
      if (error instanceof S3RequestError)
        return errorResponse(error, `/${bucket ?? ''}${key ? `/${key}` : ''}`, request.method);
      throw error;
    }
  }

  private address(request: EdgeRequest): { bucket?: string; key?: string } {
    const host = (header(request, 'host') ?? '').split(':')[0] ?? '';
    const virtual = /^(.+)\.(localhost|127\.0\.0\.1|s3[.-].*amazonaws\.com)$/.exec(host)?.[1];
    const segments = request.path.split('/').slice(1);
    if (virtual) return { bucket: virtual, key: segments.map(decodeURIComponent).join('/') || undefined };
    const [bucket, ...rest] = segments;
    return {
      bucket: bucket ? decodeURIComponent(bucket) : undefined,
      key: rest.length > 0 ? rest.map(decodeURIComponent).join('/') || undefined : undefined,
    };
  }

  private checkPresignedExpiry(request: EdgeRequest): void {
    const date = request.query.get('X-Amz-Date');
    const expires = request.query.get('X-Amz-Expires');
    if (!date || !expires) return;
    const signedAt = parseAmzDate(date);
    const seconds = Number(expires);
    if (!signedAt || !Number.isInteger(seconds) || seconds < 1 || seconds > 604800)
      throw new S3RequestError('AuthorizationQueryParametersError', 'X-Amz-Date or X-Amz-Expires is malformed', 400);
    if (this.now() > signedAt.getTime() + seconds * 1000)
      throw new S3RequestError('AccessDenied', 'Request has expired', 403);
  }

  private bucket(name: string | undefined): { objects: Map<string, StoredObject> } {
    const bucket = name ? this.buckets.get(name) : undefined;
    if (!bucket) throw new S3RequestError('NoSuchBucket', 'The specified bucket does not exist', 404);
    return bucket;
  }

  private route(request: EdgeRequest, bucketName: string | undefined, key: string | undefined): EdgeResponse {
    const method = request.method;
    if (!bucketName) {
      if (method !== 'GET')
        throw new S3RequestError('MethodNotAllowed', `${method} is not allowed on the service`, 405);
      const list = [...this.buckets.entries()]
        .map(
          ([name, b]) =>
            `<Bucket><Name>${xmlEscape(name)}</Name><CreationDate>${b.created.toISOString()}</CreationDate></Bucket>`,
        )
        .join('');
      return xml(
        200,
        `<ListAllMyBucketsResult><Owner><ID>local</ID></Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`,
      );
    }
    if (!key) return this.bucketOperation(request, bucketName);
    const bucket = this.bucket(bucketName);
    switch (method) {
      case 'PUT': {
        if (header(request, 'x-amz-copy-source'))
          throw new S3RequestError('NotImplemented', 'CopyObject is not supported by the local S3', 501);
        // Conditional write (AWS since 2024): `If-None-Match: *` stores the object only when the key is free.
        const ifNoneMatch = header(request, 'if-none-match');
        if (ifNoneMatch !== undefined && ifNoneMatch !== '*')
          throw new S3RequestError('NotImplemented', 'If-None-Match on PutObject takes only *', 501);
        if (ifNoneMatch === '*' && bucket.objects.has(key))
          throw new S3RequestError(
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
            412,
          );
        const body = isChunked(request) ? decodeAwsChunked(request.body) : request.body;
        const metadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers))
          if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name] = value;
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        const object: StoredObject = {
          body,
          contentType: header(request, 'content-type') ?? 'binary/octet-stream',
          etag,
          lastModified: new Date(this.now()),
          metadata,
        };
        this.persistence?.put(bucketName, key, object);
        bucket.objects.set(key, object);
        return { status: 200, headers: { etag } };
      }
      case 'GET':
      case 'HEAD': {
        const object = bucket.objects.get(key);
        if (!object) throw this.missingKey(request, bucketName);
        const headers = {
          'content-type': object.contentType,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
          ...object.metadata,
        };
        return method === 'HEAD'
          ? { status: 200, headers: { ...headers, 'content-length': String(object.body.length) } }
          : { status: 200, headers, body: object.body };
      }
      case 'DELETE':
        this.persistence?.delete(bucketName, key);
        bucket.objects.delete(key);
        return { status: 204 };
      default:
        throw new S3RequestError('MethodNotAllowed', `${method} is not allowed on an object`, 405);
    }
  }

  /**
   * S3 answers a missing key with 404 NoSuchKey only to callers allowed s3:ListBucket on the bucket; to others it
   * answers 403 AccessDenied, so that the answer does not reveal whether the key exists.
   */
  private missingKey(request: EdgeRequest, bucketName: string): S3RequestError {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    const principal = request.principal;
    if (principal !== undefined && !principal.allows('s3:ListBucket', bucketArn)) {
      return new S3RequestError(
        'AccessDenied',
        `User: ${principal.arn} is not authorized to perform: s3:ListBucket on resource: "${bucketArn}" because no identity-based policy allows the s3:ListBucket action`,
        403,
      );
    }
    return new S3RequestError('NoSuchKey', 'The specified key does not exist.', 404);
  }

  private bucketOperation(request: EdgeRequest, name: string): EdgeResponse {
    switch (request.method) {
      case 'PUT':
        if (this.buckets.has(name))
          throw new S3RequestError(
            'BucketAlreadyOwnedByYou',
            'Your previous request to create the named bucket succeeded and you already own it.',
            409,
          );
        this.createBucket(name);
        return { status: 200, headers: { location: `/${name}` } };
      case 'HEAD':
        this.bucket(name);
        return { status: 200 };
      case 'DELETE':
        if (this.bucket(name).objects.size > 0)
          throw new S3RequestError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
        this.buckets.delete(name);
        return { status: 204 };
      case 'GET':
        return this.listObjects(request, name);
      default:
        throw new S3RequestError('MethodNotAllowed', `${request.method} is not allowed on a bucket`, 405);
    }
  }

  private listObjects(request: EdgeRequest, name: string): EdgeResponse {
    const bucket = this.bucket(name);
    const prefix = request.query.get('prefix') ?? '';
    const delimiter = request.query.get('delimiter') ?? '';
    const maxKeys = Math.min(Number(request.query.get('max-keys') ?? 1000), 1000);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw new S3RequestError('InvalidArgument', 'max-keys must be a non-negative integer', 400);
    const token = request.query.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (request.query.get('start-after') ?? '');
    const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = '';
    let truncated = false;
    for (const k of keys) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(k.slice(0, cut + delimiter.length));
      else {
        const o = bucket.objects.get(k) as StoredObject;
        contents.push(
          `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
      }
      last = k;
    }
    const common = [...prefixes]
      .map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`)
      .join('');
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(last, 'utf8').toString('base64url')}</NextContinuationToken>`
      : '';
    return xml(
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(name)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents.join('')}${common}</ListBucketResult>`,
    );
  }
}
