/** The local Step Functions (subpath `@order-platform/local-cloud/stepfunctions`): ASL executed in-process. */
export { LocalStepFunctions, TaskFunctionError } from './local-step-functions';
