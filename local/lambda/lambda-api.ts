/**
 * The Lambda REST API (signing name `lambda`) over a LambdaEngine: Invoke (RequestResponse, Event, DryRun),
 * ListFunctions, GetFunction, GetFunctionConfiguration, and for the running mappings ListEventSourceMappings
 * (filters FunctionName and EventSourceArn; Marker and MaxItems page) and GetEventSourceMapping. Errors are
 * REST-JSON: `x-amzn-errortype` and `{"Type": "User", "message": ...}`.
 */
import type { EdgeRequest, EdgeResponse } from '../edge/types';
import { EventSourceMappingNotFoundError, type EventSourceMappingRecord } from './event-source-mappings';
import type { LambdaEngine } from './engine';
import { LambdaFunctionNotFoundError, type RegisteredFunction } from './types';

const API_PREFIX = '/2015-03-31/functions';
const MAPPINGS_PREFIX = '/2015-03-31/event-source-mappings';
/** AWS's MaxItems range for ListEventSourceMappings; also the page size when MaxItems is absent. */
const MAX_ITEMS = 10000;

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

/** A mapping as AWS's EventSourceMappingConfiguration (LastModified in epoch seconds, as REST-JSON timestamps are). */
const mappingConfiguration = (mapping: EventSourceMappingRecord): Record<string, unknown> => ({
  UUID: mapping.uuid,
  EventSourceArn: mapping.eventSourceArn,
  FunctionArn: mapping.functionArn,
  BatchSize: mapping.batchSize,
  MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowSeconds,
  ...(mapping.reportBatchItemFailures ? { FunctionResponseTypes: ['ReportBatchItemFailures'] } : {}),
  State: 'Enabled',
  LastModified: mapping.lastModified.getTime() / 1000,
  StateTransitionReason: 'USER_INITIATED',
});

/** ListEventSourceMappings: the Marker is the position of the next mapping in the UUID-ordered listing. */
const listMappings = (lambda: LambdaEngine, query: URLSearchParams): EdgeResponse => {
  const functionName = query.get('FunctionName');
  const eventSourceArn = query.get('EventSourceArn');
  const maxItemsText = query.get('MaxItems');
  const markerText = query.get('Marker');
  const maxItems = maxItemsText === null ? MAX_ITEMS : Number(maxItemsText);
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > MAX_ITEMS) {
    return restError(
      400,
      'InvalidParameterValueException',
      `MaxItems must be an integer from 1 to ${MAX_ITEMS}, not ${String(maxItemsText)}`,
    );
  }
  const start = markerText === null ? 0 : Number(markerText);
  if (!/^\d+$/.test(markerText ?? '0') || !Number.isSafeInteger(start))
    return restError(400, 'InvalidParameterValueException', `Invalid Marker: ${String(markerText)}`);
  const matching = lambda.eventSourceMappings.list({
    ...(functionName === null || functionName === '' ? {} : { functionArn: lambda.functionArnOf(functionName) }),
    ...(eventSourceArn === null || eventSourceArn === '' ? {} : { eventSourceArn }),
  });
  const page = matching.slice(start, start + maxItems);
  const next = start + page.length;
  return json(200, {
    EventSourceMappings: page.map(mappingConfiguration),
    ...(next < matching.length ? { NextMarker: String(next) } : {}),
  });
};

/** Answers ListEventSourceMappings and GetEventSourceMapping. */
const handleMappingRequest = (lambda: LambdaEngine, request: EdgeRequest): EdgeResponse | undefined => {
  const rest = request.path
    .slice(MAPPINGS_PREFIX.length)
    .split('/')
    .filter((part) => part.length > 0)
    .map(decodeURIComponent);
  if (request.method !== 'GET' || rest.length > 1) return undefined;
  const [uuid] = rest;
  if (uuid === undefined) return listMappings(lambda, request.query);
  try {
    return json(200, mappingConfiguration(lambda.eventSourceMappings.get(uuid)));
  } catch (error) {
    if (error instanceof EventSourceMappingNotFoundError)
      return restError(404, 'ResourceNotFoundException', error.message);
    throw error;
  }
};

const parsePayload = (body: Buffer): { ok: true; value: unknown } | { ok: false } => {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
};

const invoke = async (lambda: LambdaEngine, reference: string, request: EdgeRequest): Promise<EdgeResponse> => {
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
    return restError(400, 'InvalidParameterValueException', `Unsupported invocation type ${invocationType}`);
  }
  const payload = parsePayload(request.body);
  if (!payload.ok)
    return restError(
      400,
      'InvalidRequestContentException',
      'Could not parse request body into json: the payload is not valid JSON',
    );
  lambda.resolve(reference);
  if (invocationType === 'DryRun') return { status: 204 };
  if (invocationType === 'Event') {
    const requestId = lambda.invokeAsync(reference, payload.value);
    return { status: 202, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body: '' };
  }
  const outcome = await lambda.invoke(reference, payload.value);
  const headers = { 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': outcome.requestId };
  if (outcome.error) return json(200, outcome.error, { ...headers, 'x-amz-function-error': 'Unhandled' });
  return json(200, outcome.result ?? null, headers);
};

/** Answers one Lambda REST request. */
export const handleLambdaRequest = async (lambda: LambdaEngine, request: EdgeRequest): Promise<EdgeResponse> => {
  if (request.path === MAPPINGS_PREFIX || request.path.startsWith(`${MAPPINGS_PREFIX}/`)) {
    const answer = handleMappingRequest(lambda, request);
    if (answer) return answer;
  }
  if (!request.path.startsWith(API_PREFIX)) {
    return restError(
      400,
      'UnknownOperationException',
      `The local Lambda does not serve ${request.method} ${request.path}`,
    );
  }
  const rest = request.path
    .slice(API_PREFIX.length)
    .split('/')
    .filter((part) => part.length > 0)
    .map(decodeURIComponent);
  try {
    if (request.method === 'GET' && rest.length === 0) {
      return json(200, { Functions: lambda.listFunctions().map(configuration) });
    }
    const [reference, sub, ...extra] = rest;
    if (reference !== undefined && extra.length === 0) {
      if (request.method === 'POST' && sub === 'invocations') return await invoke(lambda, reference, request);
      if (request.method === 'GET' && sub === undefined) {
        return json(200, {
          Configuration: configuration(lambda.resolve(reference)),
          Code: { RepositoryType: 'S3', Location: '' },
        });
      }
      if (request.method === 'GET' && sub === 'configuration')
        return json(200, configuration(lambda.resolve(reference)));
    }
  } catch (error) {
    if (error instanceof LambdaFunctionNotFoundError) return restError(404, 'ResourceNotFoundException', error.message);
    throw error;
  }
  return restError(
    400,
    'UnknownOperationException',
    `The local Lambda does not serve ${request.method} ${request.path}`,
  );
};
