/**
 * DynamoDB on the edge: every request signed for `dynamodb` is streamed to DynamoDB Local (AWS's own engine) and its
 * answer (status, headers, body) is streamed back unchanged, so transaction cancellation reasons, conditional check
 * failures and TTL settings reach the SDK client exactly as DynamoDB Local produced them.
 *
 * Metering (optional, `onConsumedCapacity`): the request units an order costs depend on the table's indexes (a write
 * of an item that a projecting GSI holds writes the index too, twice when the index key moves), which the request
 * alone does not show. DynamoDB computes them; so does DynamoDB Local. When metering, the proxy asks for them
 * (`ReturnConsumedCapacity: INDEXES`) on calls that did not ask themselves, reports them, and takes them out of
 * the answer again, so the client sees what it asked for.
 *
 * One correction: DynamoDB Local does not bill a TransactWriteItems per item (measured: 1, 2, 3, 4 or 7 puts of 300
 * bytes, 2 table units each time; it looks like 2 per KB of the largest item). DynamoDB "performs two underlying reads
 * or writes of every item in the transaction: one to prepare the transaction and one to commit" (Developer Guide,
 * "Capacity management for transactions": three 500-byte items need six units). The metered table units of a transaction are
 * therefore recomputed as DynamoDB bills them, 2 per KB of each item: a Put's item from the request, an Update's item as
 * it is after the transaction (read back from DynamoDB Local, unmetered; UpdateItem bills the larger of before and
 * after, and the platform's transactional updates only add), a ConditionCheck's item read back too, a Delete at its
 * 1 KB minimum (a lower bound: the item before is gone). The index units DynamoDB Local reports are kept (the proxy
 * asks for INDEXES, and answers a client that asked for TOTAL in that form). This is reported once the read-back is
 * done, after the answer went to the client; a client that asked for ConsumedCapacity itself still gets DynamoDB
 * Local's figure.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { jsonObjectOf } from '../edge/json-body';
import { itemSize, writeUnitsOfSize } from '../metrics/item-size';
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

/** Capacity units one call consumed, as DynamoDB (Local) reports them: table and indexes together. */
export interface ConsumedUnits {
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface DynamoDbProxyOptions {
  /** Called with the units each metered call consumed (not called for errors, which report none). */
  readonly onConsumedCapacity?: (operation: string, requestBody: Buffer, consumed: ConsumedUnits) => void;
}

/** Operations that answer ConsumedCapacity, and whether they write. */
const CAPACITY_OPERATIONS: Readonly<Record<string, 'write' | 'read'>> = {
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
};

const operationOf = (headers: IncomingHttpHeaders): string | undefined => {
  const target = headers['x-amz-target'];
  return typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : undefined;
};

type Json = Record<string, unknown>;
const parseObject = (body: Buffer): Json | undefined => {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
};

/** Total units of a ConsumedCapacity answer: one object, or a list (batches and transactions, one per table). */
const unitsOf = (consumed: unknown): number | undefined => {
  const entries = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  if (entries.length === 0) return undefined;
  return entries.reduce<number>((sum, entry) => {
    const units = (entry as Json | null)?.CapacityUnits;
    return sum + (typeof units === 'number' ? units : 0);
  }, 0);
};

/** A call to meter: its operation, the body to send (capacity asked for) and whether the answer must lose it again. */
interface MeteredRequest {
  readonly operation: string;
  readonly kind: 'write' | 'read';
  readonly originalBody: Buffer;
  readonly body: Buffer;
  /**
   * What the client gets of the units: as DynamoDB Local answered (it asked itself), nothing (`remove`: it did not
   * ask), or the TOTAL form of an INDEXES answer (`total`: a transaction whose client asked TOTAL, for which the proxy
   * asks INDEXES so the table's part can be told from the indexes').
   */
  readonly strip: false | 'remove' | 'total';
  /** The caller's Authorization header, for the transaction's read-back (DynamoDB Local does not check signatures). */
  readonly authorization?: string;
}

/** An item in DynamoDB JSON, as item-size.ts measures it. */
type DynamoItem = Parameters<typeof itemSize>[0];

/**
 * The table units DynamoDB Local reported, summed over the tables of an answer; an entry without the breakdown (the
 * client asked for TOTAL, which the proxy leaves as asked) counts whole as the table's.
 */
const tableUnitsOf = (consumed: unknown): number =>
  (Array.isArray(consumed) ? consumed : [consumed]).reduce<number>((sum, entry) => {
    const table = ((entry as Json | null)?.Table as Json | undefined)?.CapacityUnits;
    const total = (entry as Json | null)?.CapacityUnits;
    return sum + (typeof table === 'number' ? table : typeof total === 'number' ? total : 0);
  }, 0);

const ASK_CAPACITY = Buffer.from('"ReturnConsumedCapacity":"INDEXES"');
const OPENING_BRACE = 0x7b;
const CLOSING_BRACE = 0x7d;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The request with `ReturnConsumedCapacity: INDEXES`. A body without that member (the usual case) gets it spliced in
 * after its opening brace, the rest of the text sent as the client wrote it; one that has it (`NONE`) is written again.
 * Any other value is refused (meteredRequest), as DynamoDB refuses it.
 */
const askingCapacity = (body: Buffer, input: Readonly<Json>): Buffer => {
  if ('ReturnConsumedCapacity' in input)
    return Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'INDEXES' }));
  // The body parsed as an object: its first non-whitespace byte is the opening brace.
  let open = 0;
  while (body[open] !== OPENING_BRACE) open += 1;
  let next = open + 1;
  while (next < body.length && WHITESPACE.has(body[next] as number)) next += 1;
  const empty = body[next] === CLOSING_BRACE;
  return Buffer.concat([
    body.subarray(0, open + 1),
    ASK_CAPACITY,
    ...(empty ? [] : [Buffer.from(',')]),
    body.subarray(open + 1),
  ]);
};

const meteredRequest = (headers: IncomingHttpHeaders, body: Buffer): MeteredRequest | undefined => {
  const operation = operationOf(headers);
  const kind = operation === undefined ? undefined : CAPACITY_OPERATIONS[operation];
  // Parsed once with IAM's look at the same body (edge/json-body.ts).
  const input = kind === undefined ? undefined : jsonObjectOf(body);
  if (operation === undefined || kind === undefined || input === undefined) return undefined;
  const asked = input.ReturnConsumedCapacity;
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  if (asked === 'TOTAL' && operation === 'TransactWriteItems')
    return { operation, kind, originalBody: body, body: askingCapacity(body, input), strip: 'total', authorization };
  if (asked === 'TOTAL' || asked === 'INDEXES')
    return { operation, kind, originalBody: body, body, strip: false, authorization };
  // DynamoDB refuses any other value (case-sensitive); DynamoDB Local would take it, so the edge answers as AWS does.
  if (asked !== undefined && asked !== 'NONE')
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(asked)}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]`,
    );
  return { operation, kind, originalBody: body, body: askingCapacity(body, input), strip: 'remove', authorization };
};

export class DynamoDbProxy implements ServiceEmulator {
  readonly signingNames = ['dynamodb'] as const;
  private readonly endpointOf: () => string;
  private readonly onConsumedCapacity: DynamoDbProxyOptions['onConsumedCapacity'];

  /**
   * @param endpoint DynamoDB Local's URL (e.g. http://127.0.0.1:8000), or a function answering it, so the edge can
   * start while DynamoDB Local is still starting.
   */
  constructor(endpoint: string | (() => string), options: DynamoDbProxyOptions = {}) {
    this.endpointOf = typeof endpoint === 'string' ? () => endpoint : endpoint;
    this.onConsumedCapacity = options.onConsumedCapacity;
  }

  /**
   * Reads the consumed units out of an answer, reports them and, if the client did not ask for them, removes them.
   * The answer's CRC32 header covers the body DynamoDB Local sent; a changed body drops it (the header is optional).
   */
  private meterAnswer(metered: MeteredRequest, status: number, body: Buffer): Buffer {
    const answer = status === 200 ? parseObject(body) : undefined;
    if (answer === undefined) return body;
    const units = unitsOf(answer.ConsumedCapacity);
    if (units !== undefined && metered.operation === 'TransactWriteItems') {
      const indexUnits = units - tableUnitsOf(answer.ConsumedCapacity);
      void this.transactionTableUnits(metered)
        .then(
          (tableUnits) => indexUnits + tableUnits,
          // The read-back failed (DynamoDB Local went away): DynamoDB Local's own figure, as before.
          () => units,
        )
        .then((writeUnits) =>
          this.onConsumedCapacity?.(metered.operation, metered.originalBody, { writeUnits, readUnits: 0 }),
        )
        // A failing observer must not become an unhandled rejection that ends the local cloud.
        .catch(() => undefined);
    } else if (units !== undefined)
      this.onConsumedCapacity?.(metered.operation, metered.originalBody, {
        writeUnits: metered.kind === 'write' ? units : 0,
        readUnits: metered.kind === 'read' ? units : 0,
      });
    if (metered.strip === false || !('ConsumedCapacity' in answer)) return body;
    const { ConsumedCapacity: reported, ...rest } = answer;
    if (metered.strip === 'remove') return Buffer.from(JSON.stringify(rest));
    // TOTAL: each table's entry without the breakdown, as DynamoDB answers it.
    const totals = (Array.isArray(reported) ? reported : [reported]).map((entry) => ({
      TableName: (entry as Json | null)?.TableName,
      CapacityUnits: (entry as Json | null)?.CapacityUnits,
    }));
    return Buffer.from(JSON.stringify({ ...rest, ConsumedCapacity: totals }));
  }

  /** A committed transaction's table units as DynamoDB bills them: 2 per KB of each item (see the file's comment). */
  private async transactionTableUnits(metered: MeteredRequest): Promise<number> {
    const actions = (jsonObjectOf(metered.originalBody)?.TransactItems ?? []) as Json[];
    const units = await Promise.all(
      actions.map(async (action) => {
        const put = action.Put as Json | undefined;
        if (put !== undefined) return 2 * writeUnitsOfSize(itemSize((put.Item ?? {}) as DynamoItem));
        // An Update is measured as it is after the commit; a ConditionCheck's item is as it was (it writes nothing).
        const update = (action.Update ?? action.ConditionCheck) as Json | undefined;
        if (update === undefined) return 2;
        const written = await this.readBack(String(update.TableName), update.Key, metered.authorization);
        return 2 * writeUnitsOfSize(written === undefined ? 0 : itemSize(written as DynamoItem));
      }),
    );
    return units.reduce((sum, unit) => sum + unit, 0);
  }

  /** One item read straight from DynamoDB Local (consistent), outside the metering and the edge's counts. */
  private async readBack(table: string, key: unknown, authorization: string | undefined): Promise<Json | undefined> {
    const answer = await this.exchange(
      'POST',
      '/',
      {
        host: this.target.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        authorization:
          authorization ??
          'AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      Buffer.from(JSON.stringify({ TableName: table, Key: key, ConsistentRead: true })),
    );
    if (answer.status !== 200) throw new Error(`DynamoDB Local answered ${answer.status} to a read-back`);
    return parseObject(answer.body)?.Item as Json | undefined;
  }

  /** The last endpoint and its parsed URL: it changes only when DynamoDB Local is restarted. */
  private targetCache: { readonly endpoint: string; readonly url: URL } | undefined;

  private get target(): URL {
    const endpoint = this.endpointOf();
    if (this.targetCache?.endpoint !== endpoint) this.targetCache = { endpoint, url: new URL(endpoint) };
    return this.targetCache.url;
  }

  get endpoint(): string {
    return this.target.origin;
  }

  /**
   * Streams the incoming request to DynamoDB Local and its answer back (buffered when it is metered). `body`: the
   * request's body when the edge has read it already.
   */
  proxy(request: IncomingMessage, response: ServerResponse, body?: Buffer): Promise<void> {
    if (this.onConsumedCapacity !== undefined && (operationOf(request.headers) ?? '') in CAPACITY_OPERATIONS)
      return this.proxyMetered(request, response, body);
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
      if (body === undefined) request.pipe(upstream);
      else upstream.end(body);
    });
  }

  /** A metered call: read whole, capacity asked for, the answer read whole, reported and put back as it was. */
  private async proxyMetered(request: IncomingMessage, response: ServerResponse, read?: Buffer): Promise<void> {
    let body = read;
    if (body === undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    }
    const url = new URL(request.url ?? '/', 'http://edge.local');
    try {
      const answer = await this.handle({
        method: request.method ?? 'POST',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body,
      });
      const sent = Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body ?? '');
      response.writeHead(answer.status, { ...answer.headers, 'content-length': sent.length.toString() });
      response.end(sent);
    } catch (error) {
      const failure = jsonErrorResponse(error instanceof AwsServiceError ? error : unavailable(this.target, error));
      response.writeHead(failure.status, failure.headers);
      response.end(failure.body);
    }
  }

  /** The buffered form, for in-process callers: forwards one request and answers what DynamoDB Local answered. */
  handle(request: EdgeRequest): Promise<EdgeResponse> {
    let metered: MeteredRequest | undefined;
    try {
      metered = this.onConsumedCapacity === undefined ? undefined : meteredRequest(request.headers, request.body);
    } catch (error) {
      return Promise.reject(error);
    }
    const body = metered?.body ?? request.body;
    return this.exchange(
      request.method,
      `${request.path}${request.query.size > 0 ? `?${request.query.toString()}` : ''}`,
      forwardable(request.headers, this.target),
      body,
    ).then((answer) => {
      const sent = metered === undefined ? answer.body : this.meterAnswer(metered, answer.status, answer.body);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name) && name !== 'content-length' && value !== undefined)
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      if (sent !== answer.body) delete headers['x-amz-crc32'];
      return { status: answer.status, headers, body: sent };
    });
  }

  /** One request to DynamoDB Local, its answer read whole; a failed connection is DynamoDB's ServiceUnavailable. */
  private exchange(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const target = this.target;
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method,
          path,
          headers: { ...headers, 'content-length': body.length.toString() },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
          );
          answer.on('error', (error) => reject(unavailable(target, error)));
        },
      );
      upstream.on('error', (error) => reject(unavailable(target, error)));
      upstream.end(body);
    });
  }
}
