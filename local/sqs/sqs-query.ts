/**
 * The SQS query protocol (form-encoded `Action=SendMessage&QueueUrl=...&Version=2012-11-05`, XML answers), which
 * AWS serves beside the JSON protocol: older SDKs and the AWS CLI v2 from Debian (botocore before the JSON switch)
 * speak only this. The form is read into the JSON protocol's input shape and run by the same actions
 * (sqs-api.ts), so both protocols validate and behave alike; only the wire differs.
 */
import { randomUUID } from 'node:crypto';
import type { EdgeResponse } from '../edge/types';
import type { SqsError } from './errors';

type Input = Record<string, unknown>;

const NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Parameters that are integers in the JSON protocol (strings on the form). */
const INTEGER_PARAMETERS = new Set([
  'DelaySeconds',
  'VisibilityTimeout',
  'MaxNumberOfMessages',
  'WaitTimeSeconds',
  'MaxResults',
  'MaxNumberOfMessagesPerSecond',
]);

/** Flattened lists on the form (`AttributeName.1`) and their JSON names. */
const LISTS: Readonly<Record<string, string>> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
};

/** Batch entry lists on the form and the JSON name `Entries`. */
const BATCH_ENTRIES = new Set([
  'SendMessageBatchRequestEntry',
  'DeleteMessageBatchRequestEntry',
  'ChangeMessageVisibilityBatchRequestEntry',
]);

const integerOrText = (name: string, value: string): unknown => {
  if (!INTEGER_PARAMETERS.has(name)) return value;
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) ? number : value;
};

/** `{ '1': {...}, '2': {...} }` by index -> the values in index order. */
const indexed = (group: Record<string, unknown>): unknown[] =>
  Object.entries(group)
    .filter(([index]) => /^\d+$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);

/** Nests `A.1.B.C=v` into `{ A: { '1': { B: { C: 'v' } } } }`. */
const nest = (form: URLSearchParams): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const path = key.split('.');
    let at = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) at[part] = value;
      else {
        if (typeof at[part] !== 'object' || at[part] === null) at[part] = {};
        at = at[part] as Record<string, unknown>;
      }
    });
  }
  return root;
};

/** Message attributes `{ '1': { Name, Value: { DataType, StringValue } } }` -> `{ name: { DataType, StringValue } }`. */
const messageAttributes = (group: unknown): Record<string, unknown> =>
  Object.fromEntries(
    indexed((group ?? {}) as Record<string, unknown>).map((entry) => {
      const { Name, Value } = entry as { Name?: string; Value?: Record<string, unknown> };
      return [Name ?? '', Value ?? {}];
    }),
  );

/** One level of the nested form as the JSON protocol's input. */
const toInput = (nested: Record<string, unknown>): Input => {
  const input: Input = {};
  for (const [name, value] of Object.entries(nested)) {
    if (name === 'Action' || name === 'Version') continue;
    if (LISTS[name] !== undefined && typeof value === 'object' && value !== null)
      input[LISTS[name]] = indexed(value as Record<string, unknown>);
    else if (name === 'Attribute' && typeof value === 'object' && value !== null) {
      input.Attributes = Object.fromEntries(
        indexed(value as Record<string, unknown>).map((entry) => [(entry as Input).Name, (entry as Input).Value]),
      );
    } else if (name === 'Tag' && typeof value === 'object' && value !== null) {
      input.tags = Object.fromEntries(
        indexed(value as Record<string, unknown>).map((entry) => [(entry as Input).Key, (entry as Input).Value]),
      );
    } else if (name === 'MessageAttribute' || name === 'MessageSystemAttribute')
      input[`${name}s`] = messageAttributes(value);
    else if (BATCH_ENTRIES.has(name) && typeof value === 'object' && value !== null)
      input.Entries = indexed(value as Record<string, unknown>).map((entry) =>
        toInput(entry as Record<string, unknown>),
      );
    else input[name] = typeof value === 'string' ? integerOrText(name, value) : value;
  }
  return input;
};

/** A query-protocol request body: its action and its input in the JSON protocol's shape. */
export const parseQueryRequest = (body: Buffer): { readonly action: string | undefined; readonly input: Input } => {
  const form = new URLSearchParams(body.toString('utf8'));
  return { action: form.get('Action') ?? undefined, input: toInput(nest(form)) };
};

const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON output member -> the element each item of a flattened list takes. */
const LIST_MEMBERS: Readonly<Record<string, string>> = {
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
  Results: 'ListMessageMoveTasksResultEntry',
};
const SUCCESSFUL_MEMBERS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessageBatchResultEntry',
  DeleteMessageBatch: 'DeleteMessageBatchResultEntry',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibilityBatchResultEntry',
};
/** JSON output maps -> the flattened element and its key element. */
const MAP_MEMBERS: Readonly<Record<string, readonly [string, string]>> = {
  Attributes: ['Attribute', 'Name'],
  MessageAttributes: ['MessageAttribute', 'Name'],
  Tags: ['Tag', 'Key'],
};

const render = (action: string, name: string, value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const member = name === 'Successful' ? (SUCCESSFUL_MEMBERS[action] ?? 'member') : (LIST_MEMBERS[name] ?? name);
    return value
      .map((item) =>
        typeof item === 'object' && item !== null
          ? `<${member}>${renderObject(action, item as Record<string, unknown>)}</${member}>`
          : `<${member}>${escapeXml(String(item))}</${member}>`,
      )
      .join('');
  }
  const map = MAP_MEMBERS[name];
  if (map !== undefined && typeof value === 'object') {
    const [element, key] = map;
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([k, v]) =>
          `<${element}><${key}>${escapeXml(k)}</${key}><Value>${typeof v === 'object' && v !== null ? renderObject(action, v as Record<string, unknown>) : escapeXml(String(v))}</Value></${element}>`,
      )
      .join('');
  }
  if (typeof value === 'object') return `<${name}>${renderObject(action, value as Record<string, unknown>)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
};

const renderObject = (action: string, object: Record<string, unknown>): string =>
  Object.entries(object)
    .map(([name, value]) => render(action, name, value))
    .join('');

/** The XML answer of an action, `<XResponse><XResult>...</XResult><ResponseMetadata>` as SQS writes it. */
export const queryResponse = (action: string, output: unknown): EdgeResponse => {
  const result =
    output !== null && typeof output === 'object' ? renderObject(action, output as Record<string, unknown>) : '';
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?><${action}Response xmlns="${NAMESPACE}">${result === '' ? '' : `<${action}Result>${result}</${action}Result>`}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  };
};

/** An SqsError as the query protocol answers it: the query error code in an ErrorResponse. */
export const queryErrorResponse = (error: Pick<SqsError, 'queryCode' | 'status' | 'message'>): EdgeResponse => ({
  status: error.status,
  headers: { 'content-type': 'text/xml' },
  body: `<?xml version="1.0"?><ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(error.queryCode)}</Code><Message>${escapeXml(error.message)}</Message><Detail/></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
});

/** Whether a request to the SQS endpoint speaks the query protocol. */
export const isQueryRequest = (headers: { readonly [name: string]: string | string[] | undefined }): boolean =>
  headers['x-amz-target'] === undefined &&
  String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
