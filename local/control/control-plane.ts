/**
 * The local cloud's control plane under /_local on the edge, for tests and demos (documented in local/README.md):
 *
 *   GET    /_local            -> { service, routes: [{ method, path, does }] } (this index; the banner links here)
 *   GET    /_local/functions  -> { functions: [{ name, arn }] }
 *   GET    /_local/faults     -> { faults: [{ function, failNext, probability, latencyMs, ... }] } (those in force)
 *   POST   /_local/faults     {function, failNext?, probability?, latencyMs?, failAfterNext?, resultDelayMs?, delayNext?, errorType?} -> { function, faults }
 *   DELETE /_local/faults     [?function=name] -> { cleared }
 *   GET    /_local/dynamodb-faults -> { faults: [{ function?, table?, operation, keyBeginsWith?, failNext, probability?, when?, errorType?, failed }] }
 *   POST   /_local/dynamodb-faults {operation, function?, table?, keyBeginsWith?, failNext?, probability?, when?, errorType?} -> { fault }
 *   DELETE /_local/dynamodb-faults [?function=name] -> { cleared }
 *   GET    /_local/queues     -> { queues: [{ name, url, depth, inFlight, delayed, isDlq }] }
 *   GET    /_local/emails     -> { emails: [{ to, subject, text, html, ... }] }
 *   GET    /_local/metrics    -> { at, operations, functions, stateMachines, xray, events } (calls counted since start)
 *   POST   /_local/reset      -> { reset: true } (empty queues, mails and objects, tables re-created and re-seeded)
 *
 * Answers are JSON; bad input is a 400 with { error, message } and changes nothing.
 */
import type { ExtraRoute } from '../edge/server';
import { validateDynamoDbFault, type DynamoDbFaultSpec } from '../dynamodb-proxy/dynamodb-faults';
import type { EdgeRequest, EdgeResponse } from '../edge/types';

export interface FaultSettings {
  readonly failNext?: number;
  readonly probability?: number;
  readonly latencyMs?: number;
  /** Fail the next N invocations after the handler returned: its effect made, its result lost. */
  readonly failAfterNext?: number;
  /** Hold results back this long after the handler returned (past the timeout: Sandbox.Timedout). */
  readonly resultDelayMs?: number;
  /** Hold back only the next N results (default every result). */
  readonly delayNext?: number;
  /** The errorType injected failures answer with (e.g. Lambda.Unknown); default InjectedFaultError. */
  readonly errorType?: string;
}

/** What the control plane needs from the rest of the local cloud, as narrow ports. */
export interface ControlPlanePorts {
  readonly functions: {
    listFunctions(): readonly { readonly name: string; readonly arn: string }[];
    injectFault(functionName: string, faults: FaultSettings): void;
    clearFaults(functionName?: string): void;
    listFaults(): readonly { readonly function: string; readonly faults: Readonly<Record<string, number | string>> }[];
  };
  /** The DynamoDB fault plane (local/dynamodb-proxy/dynamodb-faults.ts); its routes answer 404 without it. */
  readonly tables?: {
    injectFault(spec: DynamoDbFaultSpec): void;
    clearFaults(functionName?: string): void;
    listFaults(): readonly (DynamoDbFaultSpec & { readonly failed: number })[];
  };
  readonly queues: {
    listQueues(): readonly {
      readonly name: string;
      readonly url: string;
      readonly visible: number;
      readonly inFlight: number;
      readonly delayed: number;
      readonly isDlq: boolean;
    }[];
  };
  readonly emails: {
    emails(): readonly {
      readonly to: readonly string[];
      readonly subject: string;
      readonly text?: string;
      readonly html?: string;
    }[];
  };
  /** The call counter (local/metrics): what the cloud served and did since it started. */
  readonly metrics?: { snapshot(): unknown };
  readonly reset: () => Promise<void>;
}

export class ControlPlaneRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlPlaneRequestError';
  }
}

const json = (status: number, body: unknown): EdgeResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const parseBody = (request: EdgeRequest): Record<string, unknown> => {
  if (request.body.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new ControlPlaneRequestError(400, 'InvalidJson', 'The body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlPlaneRequestError(400, 'InvalidBody', 'The body must be a JSON object');
  return body as Record<string, unknown>;
};

const FAULT_KEYS = new Set([
  'function',
  'failNext',
  'probability',
  'latencyMs',
  'failAfterNext',
  'resultDelayMs',
  'delayNext',
  'errorType',
]);

/** Validates a fault request completely before anything changes. */
export const parseFaultRequest = (body: Record<string, unknown>): { functionName: string; faults: FaultSettings } => {
  const unknown = Object.keys(body).filter((key) => !FAULT_KEYS.has(key));
  if (unknown.length > 0)
    throw new ControlPlaneRequestError(400, 'InvalidBody', `Unknown fields: ${unknown.join(', ')}`);
  const {
    function: functionName,
    failNext,
    probability,
    latencyMs,
    failAfterNext,
    resultDelayMs,
    delayNext,
    errorType,
  } = body;
  if (typeof functionName !== 'string' || functionName.length === 0)
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"function" (a function name) is required');
  if (failNext !== undefined && (typeof failNext !== 'number' || !Number.isInteger(failNext) || failNext < 0))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"failNext" must be a non-negative integer');
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"probability" must be a number from 0 to 1');
  if (latencyMs !== undefined && (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"latencyMs" must be a non-negative number');
  if (
    failAfterNext !== undefined &&
    (typeof failAfterNext !== 'number' || !Number.isInteger(failAfterNext) || failAfterNext < 0)
  )
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"failAfterNext" must be a non-negative integer');
  if (
    resultDelayMs !== undefined &&
    (typeof resultDelayMs !== 'number' || !Number.isFinite(resultDelayMs) || resultDelayMs < 0)
  )
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"resultDelayMs" must be a non-negative number');
  if (delayNext !== undefined && (typeof delayNext !== 'number' || !Number.isInteger(delayNext) || delayNext < 0))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"delayNext" must be a non-negative integer');
  if (delayNext !== undefined && !(typeof resultDelayMs === 'number' && resultDelayMs > 0))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"delayNext" counts the results "resultDelayMs" holds back');
  if (errorType !== undefined && (typeof errorType !== 'string' || !/^[A-Za-z][A-Za-z0-9_.]{0,99}$/.test(errorType)))
    throw new ControlPlaneRequestError(400, 'InvalidBody', '"errorType" must be an error name such as Lambda.Unknown');
  if (
    failNext === undefined &&
    probability === undefined &&
    latencyMs === undefined &&
    failAfterNext === undefined &&
    resultDelayMs === undefined
  ) {
    throw new ControlPlaneRequestError(
      400,
      'InvalidBody',
      'Give at least one of "failNext", "probability", "latencyMs", "failAfterNext", "resultDelayMs"',
    );
  }
  const faults: FaultSettings = {
    failNext: failNext as number | undefined,
    probability: probability as number | undefined,
    latencyMs: latencyMs as number | undefined,
  };
  return {
    functionName,
    faults: {
      ...faults,
      ...(failAfterNext === undefined ? {} : { failAfterNext: failAfterNext as number }),
      ...(resultDelayMs === undefined ? {} : { resultDelayMs: resultDelayMs as number }),
      ...(delayNext === undefined ? {} : { delayNext: delayNext as number }),
      ...(errorType === undefined ? {} : { errorType: errorType as string }),
    },
  };
};

const DYNAMODB_FAULT_KEYS = new Set([
  'function',
  'table',
  'operation',
  'keyBeginsWith',
  'failNext',
  'probability',
  'when',
  'errorType',
]);

/** Validates a DynamoDB fault request completely before anything changes. */
export const parseDynamoDbFaultRequest = (body: Record<string, unknown>): DynamoDbFaultSpec => {
  const unknown = Object.keys(body).filter((key) => !DYNAMODB_FAULT_KEYS.has(key));
  if (unknown.length > 0)
    throw new ControlPlaneRequestError(400, 'InvalidBody', `Unknown fields: ${unknown.join(', ')}`);
  const spec = body as unknown as DynamoDbFaultSpec;
  try {
    validateDynamoDbFault(spec);
  } catch (error) {
    throw new ControlPlaneRequestError(400, 'InvalidBody', (error as Error).message);
  }
  return spec;
};

const fromPortError = (error: unknown): ControlPlaneRequestError => {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  return /NotFound/.test(name)
    ? new ControlPlaneRequestError(404, 'FunctionNotFound', message)
    : new ControlPlaneRequestError(400, name || 'InvalidRequest', message);
};

/** What `GET /_local` lists: every control-plane route, so the address the start banner prints is not a 404. */
export const CONTROL_PLANE_INDEX: readonly { readonly method: string; readonly path: string; readonly does: string }[] =
  [
    { method: 'GET', path: '/_local', does: 'this index' },
    { method: 'GET', path: '/_local/functions', does: 'the functions: name and ARN' },
    { method: 'GET', path: '/_local/faults', does: 'the faults in force, per function (counters as they stand)' },
    {
      method: 'POST',
      path: '/_local/faults',
      does: 'inject faults into a function: {function, failNext?, probability?, latencyMs?}',
    },
    { method: 'DELETE', path: '/_local/faults', does: 'clear the faults of every function, or of ?function=name' },
    {
      method: 'GET',
      path: '/_local/dynamodb-faults',
      does: 'the DynamoDB faults in force, per function, table and operation (counters as they stand)',
    },
    {
      method: 'POST',
      path: '/_local/dynamodb-faults',
      does: 'fail DynamoDB calls on the wire: {operation, function?, table?, keyBeginsWith?, failNext?, probability?, when?, errorType?}',
    },
    {
      method: 'DELETE',
      path: '/_local/dynamodb-faults',
      does: 'clear the DynamoDB faults, or those of ?function=name',
    },
    {
      method: 'GET',
      path: '/_local/queues',
      does: 'every queue with its depth, in-flight and delayed counts, DLQs flagged',
    },
    { method: 'GET', path: '/_local/emails', does: 'the mails captured by the local SES' },
    {
      method: 'GET',
      path: '/_local/metrics',
      does: 'calls counted since start: per service and operation (items, DynamoDB units), invocations, executions and transitions, X-Ray segments, events published twice',
    },
    {
      method: 'POST',
      path: '/_local/reset',
      does: 'empty queues, mails and objects, re-create the tables and seed them again',
    },
  ];

/** The /_local route for the edge. */
export const controlPlaneRoute =
  (ports: ControlPlanePorts): ExtraRoute =>
  async (request) => {
    if (request.path !== '/_local' && !request.path.startsWith('/_local/')) return undefined;
    const route = `${request.method} ${request.path.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_local':
          return json(200, {
            service: 'local cloud control plane',
            routes: CONTROL_PLANE_INDEX,
            more: 'local/README.md',
          });
        case 'GET /_local/functions':
          return json(200, { functions: ports.functions.listFunctions().map(({ name, arn }) => ({ name, arn })) });
        case 'GET /_local/faults':
          return json(200, {
            faults: ports.functions.listFaults().map((entry) => ({ function: entry.function, ...entry.faults })),
          });
        case 'POST /_local/faults': {
          const { functionName, faults } = parseFaultRequest(parseBody(request));
          try {
            ports.functions.injectFault(functionName, faults);
          } catch (error) {
            throw fromPortError(error);
          }
          return json(200, { function: functionName, faults });
        }
        case 'DELETE /_local/faults': {
          const functionName = request.query.get('function') ?? undefined;
          try {
            ports.functions.clearFaults(functionName);
          } catch (error) {
            throw fromPortError(error);
          }
          return json(200, { cleared: functionName ?? 'all' });
        }
        case 'GET /_local/dynamodb-faults':
        case 'POST /_local/dynamodb-faults':
        case 'DELETE /_local/dynamodb-faults': {
          const tables = ports.tables;
          if (tables === undefined)
            return json(404, { error: 'NotFound', message: 'This local cloud has no DynamoDB fault plane' });
          if (request.method === 'GET') return json(200, { faults: tables.listFaults() });
          if (request.method === 'POST') {
            const spec = parseDynamoDbFaultRequest(parseBody(request));
            try {
              tables.injectFault(spec);
            } catch (error) {
              throw fromPortError(error);
            }
            return json(200, { fault: spec });
          }
          const functionName = request.query.get('function') ?? undefined;
          try {
            tables.clearFaults(functionName);
          } catch (error) {
            throw fromPortError(error);
          }
          return json(200, { cleared: functionName ?? 'all' });
        }
        case 'GET /_local/queues':
          return json(200, {
            queues: ports.queues.listQueues().map((q) => ({
              name: q.name,
              url: q.url,
              depth: q.visible,
              inFlight: q.inFlight,
              delayed: q.delayed,
              isDlq: q.isDlq,
            })),
          });
        case 'GET /_local/emails':
          return json(200, { emails: ports.emails.emails() });
        case 'GET /_local/metrics':
          if (ports.metrics === undefined)
            return json(404, { error: 'NotFound', message: 'This local cloud counts no calls' });
          return json(200, ports.metrics.snapshot());
        case 'POST /_local/reset':
          await ports.reset();
          return json(200, { reset: true });
        default:
          return json(404, { error: 'NotFound', message: `No control-plane route ${route}; see local/README.md` });
      }
    } catch (error) {
      if (error instanceof ControlPlaneRequestError)
        return json(error.status, { error: error.code, message: error.message });
      throw error;
    }
  };
