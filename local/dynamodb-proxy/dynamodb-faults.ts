/**
 * Faults on the DynamoDB wire, per calling function, table and operation: the local cloud can make one kind of write
 * fail as a throttled table or a network fault makes it fail in AWS, e.g. a Lambda's idempotency record update,
 * without touching the code that writes it. The edge asks `take` for every DynamoDB call it is about to forward.
 *
 * A fault fails a *call*, not a request: the SDK retries a 5xx under the same `amz-sdk-invocation-id`, and every
 * attempt of a call chosen to fail fails too, so the caller sees the error after its retries, as it would in AWS.
 * `when: 'before'` refuses the call (the table is unchanged); `when: 'after'` lets DynamoDB Local make the write and
 * loses its answer.
 */
import type { EdgeRequest, EdgeResponse } from '../edge/types';

/** The operations whose item key a fault can match (`keyBeginsWith`): their body names one item. */
const SINGLE_ITEM_OPERATIONS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
const OPERATION = /^[A-Za-z]{1,64}$/;
const ERROR_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;
/** Calls remembered as failing (their retries fail too); the oldest are forgotten beyond this. */
const REMEMBERED_CALLS = 1000;

/** One fault: which calls it matches and how many of them fail. */
export interface DynamoDbFaultSpec {
  /** The calling function (the session name its access key's role has); any caller when absent. */
  readonly function?: string;
  /** The table (its physical name); any table when absent. */
  readonly table?: string;
  /** The operation, as in `X-Amz-Target` (`UpdateItem`, `DeleteItem`, `TransactWriteItems`, ...). */
  readonly operation: string;
  /**
   * Only calls of one item whose key attributes begin with these strings (`{ PK: 'IDEMPOTENCY#' }`); only single-item
   * operations (GetItem, PutItem, UpdateItem, DeleteItem) can match.
   */
  readonly keyBeginsWith?: Readonly<Record<string, string>>;
  /** Fail the next N matching calls. */
  readonly failNext?: number;
  /** Fail each matching call with probability p (0..1), after `failNext` is used up. */
  readonly probability?: number;
  /** `before` (default): refused, nothing written; `after`: written by DynamoDB Local, the answer lost. */
  readonly when?: 'before' | 'after';
  /** The error code answered (default InternalServerError, a 500 the SDK retries). */
  readonly errorType?: string;
}

/** What the edge does with a call a fault chose. */
export interface DynamoDbFault {
  readonly when: 'before' | 'after';
  readonly response: EdgeResponse;
}

interface ActiveFault {
  readonly spec: DynamoDbFaultSpec;
  failNext: number;
  /** How many calls this fault failed so far. */
  failed: number;
}

/** A fault spec the fault plane cannot use. */
export class DynamoDbFaultInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DynamoDbFaultInvalidError';
  }
}

const isNonNegativeInteger = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Throws DynamoDbFaultInvalidError naming the first thing wrong with `spec`. */
export const validateDynamoDbFault = (spec: DynamoDbFaultSpec): void => {
  const { operation, failNext, probability, when, errorType, keyBeginsWith } = spec;
  if (typeof operation !== 'string' || !OPERATION.test(operation))
    throw new DynamoDbFaultInvalidError(
      `operation must be a DynamoDB operation such as UpdateItem, not ${String(operation)}`,
    );
  for (const name of ['function', 'table'] as const) {
    const value = spec[name];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0))
      throw new DynamoDbFaultInvalidError(`${name} must be a non-empty string`);
  }
  if (failNext !== undefined && !isNonNegativeInteger(failNext))
    throw new DynamoDbFaultInvalidError(`failNext must be a non-negative integer, not ${String(failNext)}`);
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)))
    throw new DynamoDbFaultInvalidError(`probability must be a number from 0 to 1, not ${String(probability)}`);
  if (failNext === undefined && probability === undefined)
    throw new DynamoDbFaultInvalidError('give failNext or probability');
  if (when !== undefined && when !== 'before' && when !== 'after')
    throw new DynamoDbFaultInvalidError(`when must be before or after, not ${String(when)}`);
  if (errorType !== undefined && (typeof errorType !== 'string' || !ERROR_TYPE.test(errorType)))
    throw new DynamoDbFaultInvalidError(
      `errorType must be an error code such as InternalServerError, not ${String(errorType)}`,
    );
  if (keyBeginsWith !== undefined) {
    if (typeof keyBeginsWith !== 'object' || keyBeginsWith === null || Array.isArray(keyBeginsWith))
      throw new DynamoDbFaultInvalidError('keyBeginsWith must map key attribute names to prefixes');
    if (Object.values(keyBeginsWith).some((prefix) => typeof prefix !== 'string'))
      throw new DynamoDbFaultInvalidError('keyBeginsWith must map key attribute names to string prefixes');
    if (!SINGLE_ITEM_OPERATIONS.has(operation))
      throw new DynamoDbFaultInvalidError(
        `keyBeginsWith matches single-item operations only (${[...SINGLE_ITEM_OPERATIONS].join(', ')}), not ${operation}`,
      );
  }
};

/** The status AWS answers an error code with: 500 for an internal error, 503 unavailable, 400 for the rest. */
const statusOf = (errorType: string): number => {
  if (errorType === 'InternalServerError' || errorType === 'InternalFailure') return 500;
  if (errorType === 'ServiceUnavailable' || errorType === 'ServiceUnavailableException') return 503;
  return 400;
};

const errorResponse = (errorType: string, operation: string): EdgeResponse => ({
  status: statusOf(errorType),
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': errorType },
  body: JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${errorType}`,
    message: `Fault injected into ${operation} by the local cloud`,
  }),
});

interface ParsedCall {
  readonly table?: string;
  /** The item's key attributes as strings (S, N or B values), for single-item operations. */
  readonly key?: Readonly<Record<string, string>>;
}

const attributeText = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const typed = value as { S?: unknown; N?: unknown; B?: unknown };
  for (const text of [typed.S, typed.N, typed.B]) if (typeof text === 'string') return text;
  return undefined;
};

const parseCall = (operation: string, body: Buffer): ParsedCall => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const call = parsed as { TableName?: unknown; Key?: unknown; Item?: unknown };
  const table = typeof call.TableName === 'string' ? call.TableName : undefined;
  if (!SINGLE_ITEM_OPERATIONS.has(operation)) return table === undefined ? {} : { table };
  const source = operation === 'PutItem' ? call.Item : call.Key;
  const key: Record<string, string> = {};
  if (typeof source === 'object' && source !== null)
    for (const [name, value] of Object.entries(source)) {
      const text = attributeText(value);
      if (text !== undefined) key[name] = text;
    }
  return { ...(table === undefined ? {} : { table }), key };
};

const faultKey = (spec: Pick<DynamoDbFaultSpec, 'function' | 'table' | 'operation'>): string =>
  `${spec.function ?? '*'}|${spec.table ?? '*'}|${spec.operation}`;

/** The DynamoDB fault plane: one fault per (function, table, operation), injecting again replaces it. */
export class DynamoDbFaults {
  private readonly faults = new Map<string, ActiveFault>();
  /** Invocation ids of calls chosen to fail, with what to answer their retries. */
  private readonly failingCalls = new Map<string, DynamoDbFault>();

  /**
   * @param callerOf the function a request comes from (the session name of its access key's role), if known.
   * @param random the source of randomness for `probability`.
   */
  constructor(
    private readonly callerOf: (request: EdgeRequest) => string | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sets the fault of (function, table, operation), replacing an earlier one. */
  inject(spec: DynamoDbFaultSpec): void {
    validateDynamoDbFault(spec);
    this.faults.set(faultKey(spec), { spec: { ...spec }, failNext: spec.failNext ?? 0, failed: 0 });
  }

  /** The faults in force, counters as they stand (`failNext` left, `failed` so far). */
  list(): (DynamoDbFaultSpec & { readonly failed: number })[] {
    return [...this.faults.values()].map(({ spec, failNext, failed }) => ({ ...spec, failNext, failed }));
  }

  /** Clears every fault, or those of one function. */
  clear(functionName?: string): void {
    if (functionName === undefined) this.faults.clear();
    else for (const [key, fault] of this.faults) if (fault.spec.function === functionName) this.faults.delete(key);
    this.failingCalls.clear();
  }

  /** The fault this DynamoDB call meets, if any (a retry of a failed call meets it again). */
  take(request: EdgeRequest): DynamoDbFault | undefined {
    if (request.service !== 'dynamodb' || request.action === undefined || this.faults.size === 0) return undefined;
    const invocationId = request.headers['amz-sdk-invocation-id'];
    const callId = typeof invocationId === 'string' && invocationId.length > 0 ? invocationId : undefined;
    const retried = callId === undefined ? undefined : this.failingCalls.get(callId);
    if (retried !== undefined) return retried;
    const operation = request.action;
    let call: ParsedCall | undefined;
    let caller: string | undefined | null = null;
    for (const fault of this.faults.values()) {
      const { spec } = fault;
      if (spec.operation !== operation) continue;
      if (spec.function !== undefined) {
        if (caller === null) caller = this.callerOf(request);
        if (caller !== spec.function) continue;
      }
      call ??= parseCall(operation, request.body);
      if (spec.table !== undefined && call.table !== spec.table) continue;
      if (
        spec.keyBeginsWith !== undefined &&
        !Object.entries(spec.keyBeginsWith).every(([name, prefix]) => call?.key?.[name]?.startsWith(prefix) ?? false)
      )
        continue;
      const fires = fault.failNext > 0 || ((spec.probability ?? 0) > 0 && this.random() < (spec.probability as number));
      if (!fires) continue;
      if (fault.failNext > 0) fault.failNext -= 1;
      fault.failed += 1;
      const chosen: DynamoDbFault = {
        when: spec.when ?? 'before',
        response: errorResponse(spec.errorType ?? 'InternalServerError', operation),
      };
      if (callId !== undefined) {
        this.failingCalls.set(callId, chosen);
        if (this.failingCalls.size > REMEMBERED_CALLS) {
          const oldest = this.failingCalls.keys().next().value;
          if (oldest !== undefined) this.failingCalls.delete(oldest);
        }
      }
      return chosen;
    }
    return undefined;
  }
}
