/** The local Lambda (subpath `@order-platform/local-cloud/lambda`): run handlers in-process as Lambda does. */
export { LocalLambda } from './local-lambda';
export type { AsyncInvocationRecord, EventInvokeConfig, InvocationError, InvocationResult } from './types';
