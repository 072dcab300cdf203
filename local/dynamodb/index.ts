/** DynamoDB Local and its tables (subpath `@order-platform/local-cloud/dynamodb`). */
export type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export {
  freePort,
  startDynamoDbLocal,
  DynamoDbLocalJavaMissingError,
  type DynamoDbLocal,
  type DynamoDbLocalOptions,
} from './dynamodb-local';
export { createTable } from './create-tables';
export { clientFor, localCredentials, startLocalTables, type LocalTables } from './test-harness';
