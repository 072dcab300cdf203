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

export const createAwsClients = (overrides: AwsClientOverrides = {}): AwsClients => {
  const dynamo = new DynamoDBClient({ ...overrides.dynamodb });
  const eventBridge = new EventBridgeClient({ ...overrides.eventBridge });
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
