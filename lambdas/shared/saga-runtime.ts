/**
 * The saga steps' dependencies, built from the environment on the first invocation and reused: SDK clients
 * (captured by Tracer), the single-table adapters, the simulated payment provider over the DynamoDB ledger and the
 * EventBridge publisher. The SDK takes endpoints and region from its standard configuration (AWS_ENDPOINT_URL...).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { orderEventPublisher } from '../../core/adapters/eventbridge-publisher';
import { requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { SimulatedPaymentProvider } from '../../core/payments/simulated-provider';
import type { SagaDeps } from '../../core/saga/saga-steps';
import { DynamoPaymentFence } from '../../core/store/dynamo-payment-ledger';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { WebhookSubscriptions } from '../../core/webhooks/fan-out-routing';
import { captured, idempotencyPersistence, logger } from './powertools';
import type { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

export interface SagaConfig {
  readonly tableName: string;
  readonly eventBusName: string;
}

export const readSagaConfig = (env: Env): SagaConfig =>
  Object.freeze({ tableName: requiredEnv(env, 'TABLE_NAME'), eventBusName: requiredEnv(env, 'EVENT_BUS_NAME') });

/** Everything a step needs except the per-invocation logger. */
export interface SagaRuntime {
  readonly config: SagaConfig;
  readonly deps: Omit<SagaDeps, 'log'>;
  /**
   * A new Idempotency persistence layer on the table. Take one per function: Powertools sets the key prefix on the
   * layer at every invocation, so functions running concurrently in one process must not share one.
   */
  newPersistence(): DynamoDBPersistenceLayer;
}

const runtimes = new Map<string, SagaRuntime>();

const build = (config: SagaConfig): SagaRuntime => {
  const dynamo = captured(new DynamoDBClient({}));
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const stores = createDynamoStores(documentClient, config.tableName);
  // One answer per customer for both questions: should a progress event be published, should an event reach the
  // webhook fan-out (a "yes" the first found is reused by the second, core/webhooks/fan-out-routing.ts).
  const subscriptions = new WebhookSubscriptions(new DynamoWebhookStore(documentClient, config.tableName));
  return {
    config,
    newPersistence: () => idempotencyPersistence(dynamo, config.tableName),
    deps: {
      orders: stores.orders,
      products: stores.products,
      outbox: stores.outbox,
      inventory: stores.inventory,
      payments: new SimulatedPaymentProvider({ ledger: stores.paymentLedger }),
      paymentFence: new DynamoPaymentFence(documentClient, config.tableName),
      publisher: orderEventPublisher(captured(new EventBridgeClient({})), config.eventBusName, subscriptions, logger),
      progressSubscribers: subscriptions,
      newId: ulid,
    },
  };
};

/**
 * The runtime for the current environment. One per configuration: in AWS that is one per container. In the local
 * cloud the functions share one process, and each signs as its own role: the credentials are part of the key, because
 * an SDK client keeps the credentials it first resolved, and one client shared by every step signed every step's
 * calls as the first step's role (the local IAM check and the wire faults then saw ValidateOrder everywhere).
 */
export const sagaRuntime = (env: Env = process.env): SagaRuntime => {
  const config = readSagaConfig(env);
  const key = `${config.tableName}|${config.eventBusName}|${env.AWS_ENDPOINT_URL ?? ''}|${env.AWS_ENDPOINT_URL_DYNAMODB ?? ''}|${env.AWS_ACCESS_KEY_ID ?? ''}`;
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = build(config);
    runtimes.set(key, runtime);
  }
  return runtime;
};
