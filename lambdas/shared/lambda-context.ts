/**
 * The part of the Lambda context our handlers use, taken from @types/aws-lambda's `Context` rather than declared
 * by hand: AWS's context and the local runtime's both satisfy it, and tests build only these fields.
 */
import type { Context } from 'aws-lambda';

export type LambdaContext = Pick<
  Context,
  | 'functionName'
  | 'awsRequestId'
  | 'invokedFunctionArn'
  | 'memoryLimitInMB'
  | 'functionVersion'
  | 'getRemainingTimeInMillis'
>;
