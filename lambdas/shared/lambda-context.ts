/** The part of the Lambda context our handlers use (AWS's and the local runtime's both satisfy it). */
export interface LambdaContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly functionVersion: string;
  getRemainingTimeInMillis(): number;
}
