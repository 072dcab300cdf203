/**
 * The X-Ray documents the local Step Functions emits, as AWS does: one segment per traced execution (origin
 * AWS::StepFunctions::StateMachine, a fault when it did not succeed) and one subsegment per Task attempt. Pure builders;
 * engine.ts decides when to emit them.
 */
import { newSegmentId } from '../xray/trace-header';
import type { ExecutionRecord, StateMachineRecord } from './model';

type ExecutionTrace = NonNullable<ExecutionRecord['trace']>;

const faultOf = (type: string, message: string) => ({
  fault: true,
  cause: { exceptions: [{ id: newSegmentId(), type, message }] },
});

/** The execution's segment, parented on the caller's trace header when there was one. */
export const executionSegment = (
  machine: StateMachineRecord,
  record: ExecutionRecord,
  trace: ExecutionTrace,
): Record<string, unknown> => ({
  name: machine.name,
  id: trace.segmentId,
  trace_id: trace.traceId,
  ...(trace.parentId === undefined ? {} : { parent_id: trace.parentId }),
  start_time: record.startDate / 1000,
  end_time: (record.stopDate ?? Date.now()) / 1000,
  origin: 'AWS::StepFunctions::StateMachine',
  aws: { execution_arn: record.arn, execution_status: record.status },
  ...(record.status !== 'SUCCEEDED' ? faultOf(record.error ?? record.status, record.cause ?? record.status) : {}),
});

/** One Task attempt's subsegment under the execution's segment; a fault carrying the function's error when it failed. */
export const taskSubsegment = (attempt: {
  readonly stateName: string;
  readonly subsegmentId: string;
  readonly trace: ExecutionTrace;
  readonly functionArn: string;
  readonly startedMs: number;
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
}): Record<string, unknown> => ({
  type: 'subsegment',
  name: attempt.stateName,
  id: attempt.subsegmentId,
  trace_id: attempt.trace.traceId,
  parent_id: attempt.trace.segmentId,
  start_time: attempt.startedMs / 1000,
  end_time: Date.now() / 1000,
  namespace: 'aws',
  aws: { function_arn: attempt.functionArn, state_type: 'Task' },
  ...(attempt.error ? faultOf(attempt.error.errorType, attempt.error.errorMessage) : {}),
});
