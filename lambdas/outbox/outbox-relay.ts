/**
 * Scheduled (rule `outbox-relay-schedule`): republishes outbox records the API could not publish, oldest first,
 * and marks them sent. At-least-once: consumers deduplicate on `detail.eventId`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { EventBridgePublisher } from '../../core/adapters/eventbridge-publisher';
import { ConfigValueInvalidError, requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { OrderService } from '../../core/orders/order-service';
import type { OrderServiceDeps } from '../../core/orders/order-service';
import type { EventPublisher } from '../../core/orders/ports';
import { createDynamoStores } from '../../core/store/dynamo-stores';

export interface RelayResult {
  readonly published: number;
  readonly failed: number;
}

export interface RelayDeps {
  readonly stores: Pick<OrderServiceDeps, 'orders' | 'products' | 'outbox'>;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** Records younger than this are left to the API's own publish attempt. */
  readonly minAgeMs: number;
}

export const createRelayHandler = (deps: RelayDeps) => {
  const service = new OrderService({ ...deps.stores, publisher: deps.publisher, log: deps.logger, newId: ulid });
  return async (): Promise<RelayResult> => {
    const result = await service.relayPendingOutbox({ minAgeMs: deps.minAgeMs });
    if (result.published > 0 || result.failed > 0) deps.logger.info('outbox relay pass', { ...result });
    return result;
  };
};

const fromEnvironment = (env: Env) => {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'outbox-relay' });
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return createRelayHandler({
    stores: createDynamoStores(documentClient, requiredEnv(env, 'TABLE_NAME')),
    publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env, 'EVENT_BUS_NAME')),
    logger,
    minAgeMs: minAgeFrom(env),
  });
};

const minAgeFrom = (env: Env): number => {
  const raw = env.OUTBOX_MIN_AGE_MS?.trim();
  if (raw === undefined || raw === '') return 5000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigValueInvalidError(
      'OUTBOX_MIN_AGE_MS',
      `expected a non-negative integer, got ${JSON.stringify(raw)}`,
    );
  return value;
};

let configured: (() => Promise<RelayResult>) | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (): Promise<RelayResult> => {
  configured ??= fromEnvironment(process.env);
  return configured();
};
