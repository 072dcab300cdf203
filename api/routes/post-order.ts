/**
 * The routes of "after the order" (issue 5) in one place for the composition root: webhooks, receipts, DLQ admin
 * and partner ingestion, their OpenAPI paths, and their dependencies from the standard environment.
 */
import type Router from '@koa/router';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { ConfigKeyMissingError } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import type { EventPublisher, OrderRepository } from '../../core/orders/ports';
import type { PartnerSecrets } from '../../core/partners/ingest';
import { SecretsManagerPartnerSecrets } from '../../core/adapters/secrets-manager-partner-secrets';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { ApiError } from '../errors';
import type { AppState } from '../types';
import { registerDlqRoutes, resourcePrefixFromTableName } from './admin-dlqs';
import type { DlqRoutesDeps } from './admin-dlqs';
import { registerIngestRoutes } from './ingest';
import { registerReceiptRoutes } from './receipts';
import type { ReceiptRoutesDeps } from './receipts';
import { registerWebhookRoutes } from './webhooks';
import type { WebhookRoutesDeps } from './webhooks';

export interface PostOrderDeps {
  readonly webhooks: WebhookRoutesDeps;
  readonly receipts: ReceiptRoutesDeps;
  readonly dlqs: DlqRoutesDeps;
  readonly ingest: { readonly secrets: PartnerSecrets; readonly publisher: EventPublisher; readonly nowSeconds: () => number };
  readonly destroy: () => void;
}

export const registerPostOrderRoutes = (router: Router<AppState>, deps: PostOrderDeps): void => {
  registerWebhookRoutes(router, deps.webhooks);
  registerReceiptRoutes(router, deps.receipts);
  registerDlqRoutes(router, deps.dlqs);
  registerIngestRoutes(router, deps.ingest);
};

/** A setting the routes need but the environment lacks: the route answers 503 naming it, instead of guessing. */
const missing = (key: string) => (): never => {
  throw new ApiError(503, 'NOT_CONFIGURED', `the API was started without ${key}`, undefined, { cause: new ConfigKeyMissingError(key) });
};

/**
 * Dependencies from the environment: RECEIPTS_BUCKET, PARTNER_SECRETS_ARN, TABLE_NAME (the stage prefix of the
 * DLQ names), WEBHOOK_ALLOW_LOOPBACK (local cloud only). Returns the keys it missed so the caller can log them.
 */
export const postOrderDepsFromEnv = (env: Env, shared: { store: Pick<OrderRepository, 'getOrder'>; documentClient: DynamoDBDocumentClient; publisher: EventPublisher; tableName: string }): { deps: PostOrderDeps; missingKeys: string[] } => {
  const missingKeys: string[] = [];
  const bucket = env.RECEIPTS_BUCKET?.trim() || undefined;
  const partnerSecretsArn = env.PARTNER_SECRETS_ARN?.trim() || undefined;
  if (bucket === undefined) missingKeys.push('RECEIPTS_BUCKET');
  if (partnerSecretsArn === undefined) missingKeys.push('PARTNER_SECRETS_ARN');
  const s3 = new S3Client({ forcePathStyle: true });
  const sqs = new SQSClient({});
  const secretsManager = new SecretsManagerClient({});
  const now = () => new Date();
  const deps: PostOrderDeps = {
    webhooks: { webhooks: new DynamoWebhookStore(shared.documentClient, shared.tableName), urlPolicy: { allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK?.trim() === 'true' }, now, newId: () => ulid() },
    receipts: bucket === undefined ? { store: { getOrder: missing('RECEIPTS_BUCKET') }, s3, bucket: '', now } : { store: shared.store, s3, bucket, now },
    dlqs: { sqs, resourcePrefix: resourcePrefixFromTableName(shared.tableName) },
    ingest: {
      secrets: partnerSecretsArn === undefined ? { secretOf: missing('PARTNER_SECRETS_ARN') } : new SecretsManagerPartnerSecrets(secretsManager, partnerSecretsArn),
      publisher: shared.publisher,
      nowSeconds: () => Math.floor(Date.now() / 1000),
    },
    destroy: () => {
      s3.destroy();
      sqs.destroy();
      secretsManager.destroy();
    },
  };
  return { deps, missingKeys };
};

const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const endpointSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, webhookId: { type: 'string' }, customerId: { type: 'string' }, url: { type: 'string' }, eventTypes: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'string' } },
  required: ['id', 'url', 'eventTypes', 'createdAt'],
};

/** The OpenAPI paths of these routes (merged into /openapi.json by api/routes/openapi.ts). */
export const postOrderOpenApiPaths = (registerWebhookSchema: Record<string, unknown>) => ({
  '/api/webhooks': {
    post: {
      summary: 'Register a webhook endpoint; the whsec_ signing secret is in this answer only',
      requestBody: { required: true, ...json(registerWebhookSchema) },
      responses: {
        '201': { description: 'registered', ...json({ ...endpointSchema, properties: { ...endpointSchema.properties, secret: { type: 'string', pattern: '^whsec_' } }, required: [...endpointSchema.required, 'secret'] }) },
        '400': error('invalid url or event types'),
        '409': error('too many endpoints'),
      },
    },
    get: { summary: "The caller's webhook endpoints", responses: { '200': { description: 'endpoints', ...json({ type: 'object', properties: { items: { type: 'array', items: endpointSchema } } }) } } },
  },
  '/api/webhooks/{id}': {
    get: { summary: 'One endpoint of the caller', parameters: [idParam], responses: { '200': { description: 'the endpoint', ...json(endpointSchema) }, '404': error('no such endpoint') } },
    delete: { summary: 'Delete an endpoint; queued deliveries to it are dropped', parameters: [idParam], responses: { '204': { description: 'deleted' }, '404': error('no such endpoint') } },
  },
  '/api/webhooks/{id}/deliveries': {
    get: {
      summary: 'Delivery attempts to the endpoint, newest first (attempt, status code, time)',
      parameters: [idParam],
      responses: {
        '200': {
          description: 'attempts',
          ...json({
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: { type: 'object', properties: { deliveryId: { type: 'string' }, eventId: { type: 'string' }, eventType: { type: 'string' }, attempt: { type: 'integer' }, statusCode: { type: 'integer' }, ok: { type: 'boolean' }, error: { type: 'string' }, durationMs: { type: 'integer' }, at: { type: 'string' } } },
              },
            },
          }),
        },
        '404': error('no such endpoint'),
      },
    },
  },
  '/api/orders/{id}/receipt': {
    get: {
      summary: 'A short-lived presigned URL of the PDF receipt (owner or admin)',
      parameters: [idParam],
      responses: { '200': { description: 'the URL', ...json({ type: 'object', properties: { url: { type: 'string' }, expiresAt: { type: 'string' } }, required: ['url', 'expiresAt'] }) }, '404': error('no such order, or no receipt yet') },
    },
  },
  '/api/admin/dlqs': {
    get: { summary: 'Dead-letter queues: depth, in flight, sample messages (admin)', responses: { '200': { description: 'the DLQs' }, '403': error('not the admin') } },
  },
  '/api/admin/dlqs/{name}/redrive': {
    post: {
      summary: "Move a DLQ's messages back to their source queue (StartMessageMoveTask; admin)",
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '202': { description: 'move task started' }, '403': error('not the admin'), '404': error('no such DLQ'), '409': error('a move task is already running') },
    },
  },
  '/webhooks/ingest/{partnerId}': {
    post: {
      summary: 'Partner events {type, data}, signed the Standard Webhooks way with the partner secret; published under partner.<id>',
      parameters: [
        { name: 'partnerId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'webhook-signature', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: { required: true, ...json({ type: 'object', properties: { type: { type: 'string' }, data: { type: 'object' } }, required: ['type', 'data'] }) },
      responses: { '202': { description: 'published' }, '400': error('not {type, data}'), '401': error('bad signature or stale timestamp'), '413': error('body over 256 KB') },
    },
  },
});
