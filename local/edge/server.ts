/**
 * The edge: one HTTP endpoint that answers every AWS API the platform uses, so that `AWS_ENDPOINT_URL` alone points
 * unmodified SDK v3 clients at the local cloud. It finds the service from the SigV4 credential scope (or, for
 * unsigned calls such as Cognito's InitiateAuth, from `X-Amz-Target`) and hands the request to its emulation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessDeniedResponse, type Denial, type LocalIam } from '../iam/enforcer';
import { localCorsPreflight, withLocalCors } from './local-cors';
import { refuseNonLocal } from './local-only';
import { AwsServiceError, jsonErrorResponse, type EdgeRequest, type EdgeResponse, type ServiceEmulator } from './types';

/** `X-Amz-Target` prefixes of the JSON-protocol services, for requests that carry no signature. */
const TARGET_PREFIX_TO_SERVICE: Readonly<Record<string, string>> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodb',
  AWSEvents: 'events',
  AmazonSQS: 'sqs',
  AWSStepFunctions: 'states',
  secretsmanager: 'secretsmanager',
  AWSCognitoIdentityProviderService: 'cognito-idp',
};

/** A handler for non-AWS paths on the edge (the /_local control plane). Answers undefined to pass. */
export type ExtraRoute = (request: EdgeRequest) => Promise<EdgeResponse | undefined>;

export interface EdgeOptions {
  readonly services: readonly ServiceEmulator[];
  readonly extraRoutes?: readonly ExtraRoute[];
  /** Called with every unexpected error (a bug in an emulation), which is answered as a 500 InternalFailure. */
  readonly onInternalError?: (error: unknown, request: EdgeRequest) => void;
  /** Evaluates signed calls of known principals against their policies before any emulation sees them. */
  readonly iam?: LocalIam;
  /** Told about every AWS call the edge lets through (IAM allowed it), before its emulation answers: the call counter. */
  readonly observe?: (request: EdgeRequest) => void;
  /** Called with every call IAM refused (the cloud logs it, so a missing grant is seen where it happens). */
  readonly onDenial?: (denial: Denial, request: EdgeRequest) => void;
  /**
   * The fault plane: asked about every AWS call IAM allowed; a fault it answers replaces the call's answer, before
   * the emulation sees the call (`before`) or after it made its effect (`after`, the answer lost).
   */
  readonly faults?: EdgeFaults;
}

/** Decides which calls fail on the wire (local/dynamodb-proxy/dynamodb-faults.ts is one). */
export interface EdgeFaults {
  take(request: EdgeRequest): { readonly when: 'before' | 'after'; readonly response: EdgeResponse } | undefined;
}

export interface RunningEdge {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const credentialScopeService = (credential: string | null | undefined): string | undefined => {
  if (!credential) return undefined;
  // AKID/20260101/us-east-1/<service>/aws4_request
  const parts = credential.split('/');
  return parts.length >= 5 ? parts[parts.length - 2] : undefined;
};

/** The SigV4 signing name of a request, or undefined when it is unsigned and has no known target. */
export const serviceOf = (headers: IncomingMessage['headers'], query: URLSearchParams): string | undefined => {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /Credential=([^,\s]+)/.exec(authorization);
    const service = credentialScopeService(match?.[1]);
    if (service) return service;
  }
  const presigned = credentialScopeService(query.get('X-Amz-Credential'));
  if (presigned) return presigned;
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return TARGET_PREFIX_TO_SERVICE[target.split('.')[0] ?? ''];
  return undefined;
};

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** The request's URL, parsed once per request (against a placeholder origin: only path and query matter). */
const urlOf = (request: IncomingMessage): URL => new URL(request.url ?? '/', 'http://edge.local');

const toEdgeRequest = async (
  request: IncomingMessage,
  url: URL,
  iam: LocalIam | undefined,
  body?: Buffer,
): Promise<EdgeRequest> => {
  const target = request.headers['x-amz-target'];
  const base = {
    method: request.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    body: body ?? (await readBody(request)),
    service: serviceOf(request.headers, url.searchParams),
    action: typeof target === 'string' ? target.split('.').slice(1).join('.') || undefined : undefined,
  };
  const principal = url.pathname.startsWith('/_local') ? undefined : iam?.principalOf(base);
  return principal === undefined ? base : { ...base, principal };
};

const send = (response: ServerResponse, answer: EdgeResponse): void => {
  const body = answer.body ?? '';
  // A HEAD answer has no body but announces the length a GET would send.
  const length =
    Buffer.byteLength(body) === 0 && answer.headers?.['content-length'] !== undefined
      ? answer.headers['content-length']
      : Buffer.byteLength(body).toString();
  response.writeHead(answer.status, { ...answer.headers, 'content-length': length });
  response.end(body);
};

/** Starts the edge on 127.0.0.1:`port` (0 for a free port). */
export const startEdge = async (options: EdgeOptions, port = 0): Promise<RunningEdge> => {
  const byService = new Map<string, ServiceEmulator>();
  for (const service of options.services) for (const name of service.signingNames) byService.set(name, service);

  /** The streaming proxy of the emulation a request is for, if it has one. */
  const proxyFor = (
    request: IncomingMessage,
    url: URL,
  ): { proxy: NonNullable<ServiceEmulator['proxy']>; emulator: ServiceEmulator } | undefined => {
    if (url.pathname.startsWith('/_local')) return undefined;
    const service = serviceOf(request.headers, url.searchParams);
    const emulator = service ? byService.get(service) : undefined;
    return emulator?.proxy === undefined ? undefined : { proxy: emulator.proxy.bind(emulator), emulator };
  };

  const handle = async (edgeRequest: EdgeRequest): Promise<EdgeResponse> => {
    // The dashboard drives /_local from the browser (local-cors.ts).
    const preflight = localCorsPreflight(edgeRequest);
    if (preflight) return preflight;
    for (const route of options.extraRoutes ?? []) {
      const answer = await route(edgeRequest);
      if (answer) return answer;
    }
    const denial = edgeRequest.principal === undefined ? undefined : options.iam?.check(edgeRequest);
    if (denial) {
      options.onDenial?.(denial, edgeRequest);
      return accessDeniedResponse(edgeRequest, denial);
    }
    const emulator = edgeRequest.service ? byService.get(edgeRequest.service) : undefined;
    if (!emulator) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local cloud does not serve ${edgeRequest.service ? `the service '${edgeRequest.service}'` : 'unsigned requests to this path'} (${edgeRequest.method} ${edgeRequest.path})`,
      );
    }
    const fault = options.faults?.take(edgeRequest);
    if (fault?.when === 'before') return fault.response;
    options.observe?.(edgeRequest);
    const answer = await emulator.handle(edgeRequest);
    return fault === undefined ? answer : fault.response;
  };

  const server = createServer((request, response) => {
    void (async () => {
      let edgeRequest: EdgeRequest | undefined;
      try {
        const url = urlOf(request);
        const refused = refuseNonLocal(url.pathname, request.headers);
        if (refused) {
          request.resume();
          send(response, refused);
          return;
        }
        const proxied = proxyFor(request, url);
        if (proxied) {
          const { proxy, emulator } = proxied;
          // A known principal's call is read first, to be evaluated; everyone else's streams through unread.
          // A counted call is read too, to meter its items, and so is every call while faults may fail it.
          const iam = options.iam;
          const principal = iam?.principalOf({ headers: request.headers, query: url.searchParams });
          if (principal === undefined && options.observe === undefined && options.faults === undefined) {
            await proxy(request, response);
            return;
          }
          const body = await readBody(request);
          edgeRequest = await toEdgeRequest(request, url, iam, body);
          const denial = principal === undefined ? undefined : iam?.check(edgeRequest);
          if (denial) {
            options.onDenial?.(denial, edgeRequest);
            send(response, accessDeniedResponse(edgeRequest, denial));
            return;
          }
          const fault = options.faults?.take(edgeRequest);
          if (fault?.when === 'before') {
            send(response, fault.response);
            return;
          }
          options.observe?.(edgeRequest);
          if (fault?.when === 'after') {
            await emulator.handle(edgeRequest);
            send(response, fault.response);
            return;
          }
          await proxy(request, response, body);
          return;
        }
        edgeRequest = await toEdgeRequest(request, url, options.iam);
        send(response, withLocalCors(edgeRequest, await handle(edgeRequest)));
      } catch (error) {
        if (error instanceof AwsServiceError) {
          send(response, jsonErrorResponse(error));
          return;
        }
        if (edgeRequest) options.onInternalError?.(error, edgeRequest);
        if (response.headersSent) {
          response.destroy();
          return;
        }
        send(
          response,
          jsonErrorResponse(
            new AwsServiceError('InternalFailure', 'The local cloud failed to handle the request', 500),
          ),
        );
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
