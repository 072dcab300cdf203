/**
 * Every SDK v3 client the API uses, configured only from the standard environment: AWS_REGION, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE>, credentials from the default chain. Tests pass per-client settings (DynamoDB Local,
 * the EventBridge stub) through `overrides`; nothing else differs from what the server builds.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import type { XRayClientConfig } from '@aws-sdk/client-xray';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClientOverrides {
  readonly dynamodb?: DynamoDBClientConfig;
  readonly eventBridge?: EventBridgeClientConfig;
  readonly s3?: S3ClientConfig;
  readonly sqs?: SQSClientConfig;
  readonly sfn?: SFNClientConfig;
  readonly secretsManager?: SecretsManagerClientConfig;
  readonly xray?: XRayClientConfig;
}

export interface AwsClients {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly secretsManager: SecretsManagerClient;
  readonly xray: XRayClient;
  destroy(): void;
}

/** A client's middleware stack, as far as `withoutUnusedLogging` needs it. */
interface StackOwner {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/**
 * Drops the SDK's logger middleware from a client given no logger (the SDK's default NoOpLogger): it logs nothing then,
 * but still builds the sensitive-data-filtered copy of every input and output it would log (`schemaLogFilter`), about
 * 1.5% of the API's CPU per POST (docs/decisions.md). A client given a logger keeps it.
 */
const withoutUnusedLogging = <C extends StackOwner>(client: C, config: { logger?: unknown } | undefined): C => {
  if (config?.logger === undefined) client.middlewareStack.remove('loggerMiddleware');
  return client;
};

export const createAwsClients = (overrides: AwsClientOverrides = {}): AwsClients => {
  const dynamo = withoutUnusedLogging(new DynamoDBClient({ ...overrides.dynamodb }), overrides.dynamodb);
  // The middleware chain of PutEvents resolved once, not per call (the SDK's `cacheMiddleware`): every middleware of
  // this client is added before its first call (api/server.ts traces the clients before the app exists), and every
  // call goes to the same endpoint (no EndpointId), so the shared context the cache keeps holds for all. Not on the
  // DynamoDB client: the document client's commands resolve to a handler bound to their own input, which the cache
  // would reuse for every later call.
  const eventBridge = withoutUnusedLogging(
    new EventBridgeClient({ cacheMiddleware: true, ...overrides.eventBridge }),
    overrides.eventBridge,
  );
  // Path-style URLs: the presigned receipt URL must work against the local S3 as well as AWS.
  const s3 = new S3Client({ forcePathStyle: true, ...overrides.s3 });
  const sqs = new SQSClient({ ...overrides.sqs });
  const sfn = new SFNClient({ ...overrides.sfn });
  const secretsManager = new SecretsManagerClient({ ...overrides.secretsManager });
  const xray = new XRayClient({ ...overrides.xray });
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    documentClient,
    eventBridge,
    s3,
    sqs,
    sfn,
    secretsManager,
    xray,
    destroy: () => {
      for (const client of [dynamo, eventBridge, s3, sqs, sfn, secretsManager, xray]) client.destroy();
    },
  };
};
