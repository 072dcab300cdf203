/**
 * @order-platform/local-cloud: a generic emulation of the AWS services the platform uses, served on one edge
 * endpoint. Give it a LocalCloudDescription; it imports nothing of the product. Single services for tests are
 * under the subpaths ./cognito, ./dynamodb, ./edge, ./ses, ./sqs and ./xray.
 */
export { startCloud, LocalCloudPortInUseError, LocalCloudStartError } from './cloud/start';
export type { LocalCloudContext, LocalCloudOptions, RunningLocalCloud } from './cloud/start';
export type * from './cloud/description';
export { createLocalLogger, type LocalLogger } from './edge/logger';
export type { LocalPrincipal } from './iam/enforcer';
export type { PolicyStatement } from './iam/evaluator';
export type {
  FunctionCount,
  MetricsSnapshot,
  OperationCount,
  StateMachineCount,
} from './metrics/metrics';
