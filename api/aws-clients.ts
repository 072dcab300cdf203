/**
 * SDK v3 clients configured only from the standard environment: AWS_REGION, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_EVENTBRIDGE, credentials from the default chain.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const createAwsClients = () => {
  const dynamo = new DynamoDBClient({});
  const eventBridge = new EventBridgeClient({});
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    documentClient,
    eventBridge,
    destroy: () => {
      dynamo.destroy();
      eventBridge.destroy();
    },
  };
};
