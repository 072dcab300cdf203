/**
 * The contract between the edge (one HTTP endpoint, default 127.0.0.1:4566) and the service emulations behind it.
 *
 * The edge reads the SigV4 credential scope (`Authorization: ... Credential=AKID/date/region/<service>/aws4_request`,
 * or `X-Amz-Credential` on presigned URLs) to find the service, then hands the request to that emulation.
 * JSON-protocol services (DynamoDB, EventBridge, SQS, Step Functions, Secrets Manager, Cognito) also carry
 * `X-Amz-Target: <Prefix>.<Action>`.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export interface EdgeRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The SigV4 signing name (`dynamodb`, `events`, `sqs`, `states`, `s3`, `ses`, `lambda`, ...), when signed. */
  readonly service?: string;
  /** The action from `X-Amz-Target` (the part after the dot), when present. */
  readonly action?: string;
  /** The role the request is signed as, when the local IAM enforces and knows its access key (local/iam). */
  readonly principal?: RequestPrincipal;
}

/** The principal of a request, as emulations that decide by IAM (S3's 403 versus 404) see it. */
export interface RequestPrincipal {
  readonly arn: string;
  /** Whether the principal's policies allow `action` on `resource`. */
  allows(action: string, resource: string): boolean;
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/** One emulated AWS service. `handle` never throws for a client error: it answers AWS's error shape. */
export interface ServiceEmulator {
  /** SigV4 signing names this emulation answers to. */
  readonly signingNames: readonly string[];
  handle(request: EdgeRequest): Promise<EdgeResponse>;
  /**
   * When present, the edge hands signed requests for this service over unread: the emulation streams the request
   * body on and writes the answer itself (a proxy to a real engine such as DynamoDB Local). `handle` still serves
   * in-process callers. `body` is the request's body when the edge has read it already (to evaluate or meter the
   * call): the request stream is then consumed and the proxy sends `body` instead.
   */
  proxy?(request: IncomingMessage, response: ServerResponse, body?: Buffer): Promise<void>;
}

/** An error answered in the AWS JSON protocol shape: `{"__type": code, "message": ...}` with `x-amzn-errortype`. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

/** The AWS JSON-protocol answer for a thrown AwsServiceError (or UnknownOperationException for an unknown action). */
export const jsonErrorResponse = (error: AwsServiceError): EdgeResponse => ({
  status: error.status,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.code },
  body: JSON.stringify({ __type: error.code, message: error.message }),
});

export const jsonResponse = (body: unknown, contentType = 'application/x-amz-json-1.1'): EdgeResponse => ({
  status: 200,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body ?? {}),
});
