/**
 * Step Functions on the edge: the engine (engine.ts, executing the ASL with aws-local-stepfunctions) served as the
 * AWSStepFunctions JSON API (step-functions-api.ts). `LocalStepFunctions` is both the in-process API the local cloud
 * calls and the emulation the edge routes to.
 */
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { StepFunctionsEngine } from './engine';
import { handleStepFunctionsRequest } from './step-functions-api';

export { StepFunctionsLocalResourceError, TaskFunctionError } from './model';
export type {
  InvokeOutcome,
  LambdaInvoker,
  LocalStepFunctionsOptions,
  ExecutionStatus,
  HistoryEvent,
  StateMachineRecord,
  ExecutionRecord,
  AslState,
  AslMachine,
} from './model';

export class LocalStepFunctions extends StepFunctionsEngine implements ServiceEmulator {
  readonly signingNames = ['states'] as const;

  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return handleStepFunctionsRequest(this, request);
  }
}
