/**
 * API Gateway HTTP API (payload 2.0) -> POST /webhooks/ingest/{partnerId}: the same core function the local API
 * serves (core/partners/ingest.ts). Partner secrets from Secrets Manager (PARTNER_SECRETS_ARN); the messages taken, for
 * replay detection, in the table (TABLE_NAME).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EventBridgePublisher } from '../../core/adapters/eventbridge-publisher';
import { requiredEnv } from '../../core/config/env';
import { PartnerMessageInProgressError } from '../../core/partners/errors';
import { ingestPartnerEvent } from '../../core/partners/ingest';
import type { IngestDeps } from '../../core/partners/ingest';
import { SecretsManagerPartnerSecrets } from '../../core/adapters/secrets-manager-partner-secrets';
import { DynamoPartnerMessages } from '../../core/store/dynamo-partner-messages';
import { captured, invocationLogger } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';

/** The part of an HTTP API payload 2.0 event (@types/aws-lambda) this handler reads. */
export type HttpApiEvent = Partial<
  Pick<APIGatewayProxyEventV2, 'pathParameters' | 'headers' | 'body' | 'isBase64Encoded'>
>;

/** The structured payload 2.0 result, with every field this handler always sets. */
export type HttpApiResult = Required<Pick<APIGatewayProxyStructuredResultV2, 'statusCode' | 'headers' | 'body'>>;

export const createIngestHandler =
  (deps: IngestDeps) =>
  async (event: HttpApiEvent, context?: LambdaContext): Promise<HttpApiResult> => {
    const partnerId = event.pathParameters?.partnerId ?? '';
    const log = invocationLogger({ partnerId }, context);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    const outcome = await ingestPartnerEvent({ partnerId, headers, body }, deps);
    if (outcome.accepted) {
      log.info('partner event accepted', { ...outcome });
      return {
        statusCode: outcome.duplicate ? 200 : 202,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(outcome),
      };
    }
    const { refusal } = outcome;
    const answer = {
      error: {
        code: refusal.code,
        message: refusal.publicMessage,
        ...(refusal.details === undefined ? {} : { details: refusal.details }),
      },
    };
    log.warn('partner event refused', { status: refusal.httpStatus, ...answer });
    return {
      statusCode: refusal.httpStatus ?? 500,
      headers: {
        'content-type': 'application/json',
        ...(refusal instanceof PartnerMessageInProgressError
          ? { 'retry-after': String(refusal.retryAfterSeconds) }
          : {}),
      },
      body: JSON.stringify(answer),
    };
  };

let configured: ReturnType<typeof createIngestHandler> | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: HttpApiEvent, context: LambdaContext): Promise<HttpApiResult> => {
  configured ??= createIngestHandler({
    secrets: new SecretsManagerPartnerSecrets(
      captured(new SecretsManagerClient({})),
      requiredEnv(process.env, 'PARTNER_SECRETS_ARN'),
    ),
    publisher: new EventBridgePublisher(
      captured(new EventBridgeClient({})),
      requiredEnv(process.env, 'EVENT_BUS_NAME'),
    ),
    messages: new DynamoPartnerMessages(
      DynamoDBDocumentClient.from(captured(new DynamoDBClient({}))),
      requiredEnv(process.env, 'TABLE_NAME'),
    ),
    nowSeconds: () => Math.floor(Date.now() / 1000),
  });
  return configured(event, context);
};
