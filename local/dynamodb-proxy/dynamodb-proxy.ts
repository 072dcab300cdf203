/**
 * DynamoDB on the edge: every request signed for `dynamodb` is streamed to DynamoDB Local (AWS's own engine) and its
 * answer (status, headers, body) is streamed back unchanged, so transaction cancellation reasons, conditional check
 * failures and TTL settings reach the SDK client exactly as DynamoDB Local produced them.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  AwsServiceError,
  jsonErrorResponse,
  type EdgeRequest,
  type EdgeResponse,
  type ServiceEmulator,
} from '../edge/types';

/** Hop-by-hop headers a proxy must not forward. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

const forwardable = (headers: IncomingHttpHeaders, target: URL): IncomingHttpHeaders => {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  // DynamoDB Local does not verify signatures, so rewriting Host is safe.
  out.host = target.host;
  return out;
};

const unavailable = (target: URL, cause: unknown): AwsServiceError =>
  new AwsServiceError(
    'ServiceUnavailable',
    `DynamoDB Local at ${target.origin} did not answer (${cause instanceof Error ? cause.message : String(cause)})`,
    503,
  );

export class DynamoDbProxy implements ServiceEmulator {
  readonly signingNames = ['dynamodb'] as const;
  private readonly endpointOf: () => string;

  /**
   * @param endpoint DynamoDB Local's URL (e.g. http://127.0.0.1:8000), or a function answering it, so the edge can
   * start while DynamoDB Local is still starting.
   */
  constructor(endpoint: string | (() => string)) {
    this.endpointOf = typeof endpoint === 'string' ? () => endpoint : endpoint;
  }

  private get target(): URL {
    return new URL(this.endpointOf());
  }

  get endpoint(): string {
    return this.target.origin;
  }

  /** Streams the incoming request to DynamoDB Local and its answer back. */
  proxy(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = this.target;
    return new Promise<void>((resolve) => {
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: forwardable(request.headers, target),
        },
        (answer) => {
          const headers: IncomingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers))
            if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
          response.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(response);
          answer.on('end', () => resolve());
          answer.on('error', () => {
            response.destroy();
            resolve();
          });
        },
      );
      upstream.on('error', (error) => {
        if (response.headersSent) response.destroy();
        else {
          const failure = jsonErrorResponse(unavailable(this.target, error));
          response.writeHead(failure.status, failure.headers);
          response.end(failure.body);
        }
        resolve();
      });
      request.pipe(upstream);
    });
  }

  /** The buffered form, for in-process callers: forwards one request and answers what DynamoDB Local answered. */
  handle(request: EdgeRequest): Promise<EdgeResponse> {
    const target = this.target;
    return new Promise<EdgeResponse>((resolve, reject) => {
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: request.method,
          path: `${request.path}${request.query.size > 0 ? `?${request.query.toString()}` : ''}`,
          headers: { ...forwardable(request.headers, target), 'content-length': request.body.length.toString() },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(answer.headers)) {
              if (!HOP_BY_HOP.has(name) && name !== 'content-length' && value !== undefined)
                headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          answer.on('error', (error) => reject(unavailable(this.target, error)));
        },
      );
      upstream.on('error', (error) => reject(unavailable(this.target, error)));
      upstream.end(request.body);
    });
  }
}
