/**
 * What one request on the edge is worth on an AWS bill: its operation (`PutItem`, `SendMessage`, `Invoke`, ...), how
 * many items it touches and the DynamoDB request units it would consume, read from the request as AWS meters it. The
 * local cloud counts these (metrics.ts) so a benchmark can price an order from the calls it really made.
 *
 * DynamoDB units are first estimated from the request alone: a write is ceil(size / 1 KB) units for a Put whose item
 * is in the body and 1 unit otherwise (an Update or Delete of an item under 1 KB), twice that inside a transaction; a
 * read is 0.5 unit eventually consistent, 1 strongly consistent, 2 transactional, per item up to 4 KB (a Query or Scan
 * counts as one such item). The estimate cannot see the table's indexes; when the DynamoDB proxy meters, the units
 * DynamoDB Local reports for the call (table and GSIs) replace it (`LocalMetrics.recordConsumedCapacity`; for a
 * transaction the proxy recomputes the table's part as DynamoDB bills it, dynamodb-proxy.ts); a call that failed (a
 * refused condition) keeps the estimate, as AWS bills it too.
 */
import type { EdgeRequest } from '../edge/types';
import { itemSize, writeUnitsOfSize } from './item-size';

/** A counted call: what AWS would bill for it. */
export interface MeteredCall {
  readonly service: string;
  readonly operation: string;
  /** Items a DynamoDB call writes or reads, entries of a PutEvents, messages of a batch; 1 otherwise. */
  readonly items: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** The entries of a PutEvents (source, detail-type and detail), to find events published twice. */
  readonly publishedEvents?: readonly string[];
}

type Input = Record<string, unknown>;

const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Whether a DynamoDB operation writes (its items are the "writes per order" of a benchmark). */
export const isDynamoDbWrite = (operation: string): boolean => DYNAMODB_WRITES.has(operation);
/** Whether a DynamoDB operation reads. */
export const isDynamoDbRead = (operation: string): boolean => DYNAMODB_READS.has(operation);

const jsonOf = (body: Buffer): Input => {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Input) : {};
  } catch {
    return {};
  }
};

/** Write units of one item, from its size as DynamoDB counts it (item-size.ts); 1 when the request does not hold it. */
const writeUnitsOf = (item: unknown): number =>
  item === null || typeof item !== 'object' ? 1 : writeUnitsOfSize(itemSize(item as Parameters<typeof itemSize>[0]));
const readUnit = (input: Input): number => (input.ConsistentRead === true ? 1 : 0.5);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Input =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : {};

const dynamoDbCall = (operation: string, input: Input): Omit<MeteredCall, 'service' | 'operation'> => {
  switch (operation) {
    case 'PutItem':
      return { items: 1, writeUnits: writeUnitsOf(input.Item), readUnits: 0 };
    case 'UpdateItem':
    case 'DeleteItem':
      return { items: 1, writeUnits: 1, readUnits: 0 };
    case 'BatchWriteItem': {
      const requests = Object.values(record(input.RequestItems)).flatMap(list);
      const units = requests.reduce<number>(
        (sum, request) => sum + writeUnitsOf(record(record(request).PutRequest).Item),
        0,
      );
      return { items: requests.length, writeUnits: units, readUnits: 0 };
    }
    case 'TransactWriteItems': {
      const items = list(input.TransactItems).map(record);
      // Every item of a transaction is written (or checked) twice: prepare and commit.
      const units = items.reduce<number>((sum, item) => sum + 2 * writeUnitsOf(record(item.Put).Item), 0);
      return { items: items.length, writeUnits: units, readUnits: 0 };
    }
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return { items: 1, writeUnits: 0, readUnits: readUnit(input) };
    case 'BatchGetItem': {
      const tables = Object.values(record(input.RequestItems)).map(record);
      const units = tables.reduce<number>((sum, table) => sum + list(table.Keys).length * readUnit(table), 0);
      const items = tables.reduce<number>((sum, table) => sum + list(table.Keys).length, 0);
      return { items, writeUnits: 0, readUnits: units };
    }
    case 'TransactGetItems': {
      const items = list(input.TransactItems).length;
      return { items, writeUnits: 0, readUnits: 2 * items };
    }
    default:
      return { items: 1, writeUnits: 0, readUnits: 0 };
  }
};

/** The estimate of a DynamoDB call's units from its request body. */
export const estimateDynamoDbUnits = (operation: string, body: Buffer): { writeUnits: number; readUnits: number } => {
  const { writeUnits, readUnits } = dynamoDbCall(operation, jsonOf(body));
  return { writeUnits, readUnits };
};

const S3_OPERATIONS: Readonly<Record<string, string>> = {
  GET: 'GetObject',
  HEAD: 'HeadObject',
  PUT: 'PutObject',
  DELETE: 'DeleteObject',
  POST: 'PostObject',
};

const XRAY_OPERATIONS: Readonly<Record<string, string>> = {
  '/TraceSegments': 'PutTraceSegments',
  '/TraceSummaries': 'GetTraceSummaries',
  '/Traces': 'BatchGetTraces',
};

/** The operation of a REST or query-protocol call, which carries no X-Amz-Target. */
const restOperation = (request: Pick<EdgeRequest, 'service' | 'method' | 'path' | 'body' | 'headers'>): string => {
  const { service, method, path } = request;
  if (String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return new URLSearchParams(request.body.toString('utf8')).get('Action') ?? 'Unknown';
  if (service === 'lambda') {
    if (/\/functions\/[^/]+\/invocations$/.test(path)) return 'Invoke';
    return `${method} ${path.replace(/\/functions\/[^/]+/, '/functions/{name}')}`;
  }
  if (service === 's3') return S3_OPERATIONS[method] ?? method;
  if (service === 'ses') return /\/outbound-emails$/.test(path) ? 'SendEmail' : `${method} ${path}`;
  if (service === 'xray') return XRAY_OPERATIONS[path] ?? path;
  return `${method} ${path}`;
};

/** What a request on the edge costs, by the service it is signed for; undefined for non-AWS paths (`/_local`). */
export const meterEdgeCall = (
  request: Pick<EdgeRequest, 'service' | 'action' | 'method' | 'path' | 'body' | 'headers'>,
): MeteredCall | undefined => {
  const service = request.service;
  if (service === undefined) return undefined;
  const operation = request.action ?? restOperation(request);
  if (service === 'dynamodb') return { service, operation, ...dynamoDbCall(operation, jsonOf(request.body)) };
  if (service === 'events' && operation === 'PutEvents') {
    const entries = list(jsonOf(request.body).Entries).map(record);
    return {
      service,
      operation,
      items: entries.length,
      writeUnits: 0,
      readUnits: 0,
      publishedEvents: entries.map((entry) =>
        JSON.stringify([entry.EventBusName, entry.Source, entry.DetailType, entry.Detail]),
      ),
    };
  }
  if (service === 'sqs' && (operation === 'SendMessageBatch' || operation === 'DeleteMessageBatch')) {
    const entries = list(jsonOf(request.body).Entries).length;
    return { service, operation, items: entries, writeUnits: 0, readUnits: 0 };
  }
  return { service, operation, items: 1, writeUnits: 0, readUnits: 0 };
};
