/**
 * The Lambda REST API (signing name `lambda`) over a LocalLambda: Invoke (RequestResponse, Event, DryRun),
 * ListFunctions, GetFunction and GetFunctionConfiguration. Errors are REST-JSON: `x-amzn-errortype` and
 * `{"Type": "User", "message": ...}`.
 */
import type { EdgeRequest, EdgeResponse } from '../edge/types';
import { LambdaFunctionNotFoundError, type LocalLambda, type RegisteredFunction } from './local-lambda';

const API_PREFIX = '/2015-03-31/functions';

const restError = (status: number, code: string, message: string): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': code },
  body: JSON.stringify({ Type: 'User', message }),
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const configuration = (fn: RegisteredFunction): Record<string, unknown> => ({
  FunctionName: fn.name,
  FunctionArn: fn.arn,
  Runtime: 'nodejs22.x',
  Role: `arn:aws:iam::000000000000:role/${fn.name}`,
  Handler: 'index.handler',
  Description: fn.description,
  Timeout: fn.timeoutSeconds,
  MemorySize: fn.memoryMb,
  LastModified: fn.lastModified,
  Version: '$LATEST',
  State: 'Active',
  LastUpdateStatus: 'Successful',
  PackageType: 'Zip',
  Architectures: ['x86_64'],
  Environment: { Variables: fn.environment },
});

const parsePayload = (body: Buffer): { ok: true; value: unknown } | { ok: false } => {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
};

const invoke = async (lambda: LocalLambda, reference: string, request: EdgeRequest): Promise<EdgeResponse> => {
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
    return restError(400, 'InvalidParameterValueException', `Unsupported invocation type ${invocationType}`);
  }
  const payload = parsePayload(request.body);
  if (!payload.ok) return restError(400, 'InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON');
  lambda.resolve(reference);
  if (invocationType === 'DryRun') return { status: 204 };
  if (invocationType === 'Event') {
    lambda.invokeAsync(reference, payload.value);
    return { status: 202, headers: { 'content-type': 'application/json' }, body: '' };
  }
  const outcome = await lambda.invoke(reference, payload.value);
  const headers = { 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': outcome.requestId };
  if (outcome.error) return json(200, outcome.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
  return json(200, outcome.result ?? null, headers);
};

/** Answers one Lambda REST request. */
export const handleLambdaRequest = async (lambda: LocalLambda, request: EdgeRequest): Promise<EdgeResponse> => {
  if (!request.path.startsWith(API_PREFIX)) {
    return restError(400, 'UnknownOperationException', `The local Lambda does not serve ${request.method} ${request.path}`);
  }
  const rest = request.path.slice(API_PREFIX.length).split('/').filter((part) => part.length > 0).map(decodeURIComponent);
  try {
    if (request.method === 'GET' && rest.length === 0) {
      return json(200, { Functions: lambda.listFunctions().map(configuration) });
    }
    const [reference, sub, ...extra] = rest;
    if (reference !== undefined && extra.length === 0) {
      if (request.method === 'POST' && sub === 'invocations') return await invoke(lambda, reference, request);
      if (request.method === 'GET' && sub === undefined) {
        return json(200, { Configuration: configuration(lambda.resolve(reference)), Code: { RepositoryType: 'S3', Location: '' } });
      }
      if (request.method === 'GET' && sub === 'configuration') return json(200, configuration(lambda.resolve(reference)));
    }
  } catch (error) {
    if (error instanceof LambdaFunctionNotFoundError) return restError(404, 'ResourceNotFoundException', error.message);
    throw error;
  }
  return restError(400, 'UnknownOperationException', `The local Lambda does not serve ${request.method} ${request.path}`);
};
