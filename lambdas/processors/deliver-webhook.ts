/**
 * Queue `webhook-deliveries`: one message per (endpoint, event). Signs the stored payload the Standard Webhooks
 * way (webhook-id stable across retries and redrives, fresh webhook-timestamp per attempt), POSTs it with a
 * timeout to the address checked at connection time (core/webhooks/http-delivery.ts), logs the attempt, and on
 * anything but 2xx sets the message's visibility to the backoff for its receive count and fails the record, so
 * SQS retries it; after maxReceiveCount attempts SQS moves it to webhook-deliveries-dlq. Idempotent on the
 * delivery id: a duplicate message after a success sends nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { queues } from '../../core/platform/resources';
import { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { postWebhook } from '../../core/webhooks/http-delivery';
import type { Resolver } from '../../core/webhooks/http-delivery';
import { DeliveryMessageSchema } from '../../core/webhooks/registration';
import type { DeliveryMessage } from '../../core/webhooks/registration';
import { signedHeaders } from '../../core/webhooks/signing';
import { parseReservedPorts, type UrlPolicy } from '../../core/webhooks/url-safety';
import { captured, idempotencyPersistence, idempotent, invocationLogger } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import { processSqsBatch } from '../shared/sqs-batch';
import type { BatchResponse, SqsEvent, SqsRecord } from '../shared/sqs-batch';
import { traced } from '../shared/traced';

const MAX_RECEIVES = queues.find((queue) => queue.name === 'webhook-deliveries')?.deadLetter.maxReceiveCount ?? 5;

/**
 * Seconds until the next attempt after the n-th failed one: 1, 2, 4, 4, then 0 once the last attempt failed so
 * SQS moves the message to the DLQ at once. The waits add up to 11 s, leaving the rest of the 30 s the issue
 * allows for the attempts themselves on a loaded machine (measured: 15 s of waits took up to 33 s end to end).
 */
export const backoffSeconds = (receiveCount: number, maxReceives = MAX_RECEIVES): number =>
  receiveCount >= maxReceives ? 0 : Math.min(2 ** (receiveCount - 1), 4);

export class WebhookDeliveryFailedError extends Error {
  constructor(
    readonly deliveryId: string,
    readonly attempt: number,
    readonly statusCode: number | undefined,
    detail: string | undefined,
  ) {
    super(
      `delivery ${deliveryId} attempt ${attempt} failed: ${statusCode === undefined ? (detail ?? 'no response') : `HTTP ${statusCode}`}`,
    );
    this.name = 'WebhookDeliveryFailedError';
  }
}

export class WebhookMessageInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookMessageInvalidError';
  }
}

export class ConfigValueInvalidError extends Error {
  constructor(key: string, message: string) {
    super(`environment variable ${key}: ${message}`);
    this.name = 'ConfigValueInvalidError';
  }
}

/** WEBHOOK_ALLOW_LOOPBACK: `true` only in the local cloud; absent or `false` in AWS. */
export const urlPolicyFromEnv = (env: Env): UrlPolicy => {
  const raw = env.WEBHOOK_ALLOW_LOOPBACK?.trim();
  if (raw === undefined || raw === '' || raw === 'false') return { allowLoopback: false };
  if (raw === 'true') {
    const reservedPorts = parseReservedPorts(env.WEBHOOK_RESERVED_PORTS);
    return reservedPorts.length === 0 ? { allowLoopback: true } : { allowLoopback: true, reservedPorts };
  }
  throw new ConfigValueInvalidError('WEBHOOK_ALLOW_LOOPBACK', `expected true or false, got ${JSON.stringify(raw)}`);
};

export interface DeliverWebhookDeps {
  readonly store: Pick<DynamoWebhookStore, 'getEndpoint' | 'recordAttempt'>;
  readonly sqs: SQSClient;
  readonly persistence: ReturnType<typeof idempotencyPersistence>;
  readonly policy: UrlPolicy;
  readonly timeoutMs?: number;
  readonly resolver?: Resolver;
  readonly now?: () => Date;
  /** Where each attempt is also recorded under its order for the order page (GET /api/orders/:id/activity). */
  readonly activity?: Pick<DynamoOrderActivityStore, 'recordDeliveryAttempt'>;
}

const parseMessage = (body: string): DeliveryMessage => {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new WebhookMessageInvalidError('the delivery message is not JSON', { cause });
  }
  const parsed = DeliveryMessageSchema.safeParse(raw);
  if (!parsed.success)
    throw new WebhookMessageInvalidError(`not a delivery message: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
};

export const createDeliverWebhookHandler = (deps: DeliverWebhookDeps) => {
  const now = deps.now ?? (() => new Date());
  const queueUrls = new Map<string, Promise<string>>();
  const queueUrlOf = (arn: string): Promise<string> => {
    let url = queueUrls.get(arn);
    if (url === undefined) {
      const [, , , , account, name] = arn.split(':');
      url = deps.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((response) => response.QueueUrl ?? '');
      queueUrls.set(arn, url);
      url.catch(() => queueUrls.delete(arn));
    }
    return url;
  };

  // The order's trace is found by its orderId annotation (issue 7); the payload is `{type, timestamp, data: {orderId, ...}}`.
  const orderAnnotation = (payload: string): { orderId?: string } => {
    try {
      const orderId = (JSON.parse(payload) as { data?: { orderId?: unknown } }).data?.orderId;
      return typeof orderId === 'string' ? { orderId } : {};
    } catch {
      return {};
    }
  };

  const deliver = idempotent(
    async (input: { deliveryId: string; body: string; attempt: number }, context: LambdaContext) => {
      const message = parseMessage(input.body);
      const log = invocationLogger(
        {
          processor: 'deliver-webhook',
          deliveryId: message.deliveryId,
          webhookId: message.webhookId,
          eventId: message.eventId,
          attempt: input.attempt,
        },
        context,
      );
      const endpoint = await deps.store.getEndpoint(message.customerId, message.webhookId);
      if (endpoint === undefined) {
        log.info('endpoint deleted; delivery dropped');
        return { delivered: false, reason: 'endpoint deleted' };
      }
      const at = now();
      const headers = signedHeaders(
        endpoint.secret,
        message.deliveryId,
        Math.floor(at.getTime() / 1000),
        message.payload,
      );
      const outcome = await postWebhook(endpoint.url, { ...headers }, message.payload, {
        policy: deps.policy,
        timeoutMs: deps.timeoutMs ?? 4000,
        resolver: deps.resolver,
      });
      const ok = outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
      await deps.store.recordAttempt({
        webhookId: message.webhookId,
        deliveryId: message.deliveryId,
        eventId: message.eventId,
        eventType: message.eventType,
        attempt: input.attempt,
        ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
        ok,
        ...(outcome.error === undefined ? {} : { error: outcome.error.slice(0, 500) }),
        durationMs: outcome.durationMs,
        at: at.toISOString(),
      });
      const { orderId } = orderAnnotation(message.payload);
      if (deps.activity !== undefined && orderId !== undefined) {
        const recorded = {
          webhookId: message.webhookId,
          deliveryId: message.deliveryId,
          url: endpoint.url,
          eventType: message.eventType,
          attempt: input.attempt,
          ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
          at: at.toISOString(),
          outcome: ok ? ('DELIVERED' as const) : ('FAILED' as const),
        };
        // The endpoint's own delivery log above is the record of truth; a failure here must not re-send a delivered event.
        await deps.activity
          .recordDeliveryAttempt(orderId, recorded)
          .catch((error: unknown) => log.warn('the attempt could not be recorded under the order', error as Error));
      }
      if (!ok)
        throw new WebhookDeliveryFailedError(message.deliveryId, input.attempt, outcome.statusCode, outcome.error);
      log.info('delivered', { statusCode: outcome.statusCode, durationMs: outcome.durationMs });
      return { delivered: true, statusCode: outcome.statusCode };
    },
    { persistence: deps.persistence, eventKeyJmesPath: 'deliveryId', keyPrefix: 'deliver-webhook' },
  );

  return async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> =>
    processSqsBatch(
      event,
      async (record: SqsRecord) => {
        const message = parseMessage(record.body);
        const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
        try {
          await traced(
            '## deliver-webhook',
            {
              processor: 'deliver-webhook',
              webhookId: message.webhookId,
              eventId: message.eventId,
              ...orderAnnotation(message.payload),
            },
            () => deliver({ deliveryId: message.deliveryId, body: record.body, attempt }, context),
          );
        } catch (error) {
          const delay = backoffSeconds(attempt);
          // Backoff is best effort: whatever fails here (the queue URL lookup included), the delivery's own error is
          // what fails the record, and the queue's visibility timeout then spaces the retry.
          await queueUrlOf(record.eventSourceARN)
            .then((queueUrl) =>
              deps.sqs.send(
                new ChangeMessageVisibilityCommand({
                  QueueUrl: queueUrl,
                  ReceiptHandle: record.receiptHandle,
                  VisibilityTimeout: delay,
                }),
              ),
            )
            .catch((visibilityError: unknown) =>
              invocationLogger({ processor: 'deliver-webhook', deliveryId: message.deliveryId }).warn(
                'could not set the backoff; the queue visibility timeout applies',
                visibilityError as Error,
              ),
            );
          throw error;
        }
      },
      { throwOnFullBatchFailure: false },
    );
};

let configured: ((event: SqsEvent, context: LambdaContext) => Promise<BatchResponse>) | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  if (configured === undefined) {
    const dynamo = captured(new DynamoDBClient({}));
    const tableName = requiredEnv(process.env, 'TABLE_NAME');
    configured = createDeliverWebhookHandler({
      store: new DynamoWebhookStore(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ),
      activity: new DynamoOrderActivityStore(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ),
      sqs: captured(new SQSClient({})),
      persistence: idempotencyPersistence(dynamo, tableName),
      policy: urlPolicyFromEnv(process.env),
    });
  }
  return configured(event, context);
};
