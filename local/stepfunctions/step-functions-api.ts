/**
 * The AWSStepFunctions JSON protocol of the local Step Functions (signing name `states`): actions parsed from the
 * request body and answered in the shapes the SDK expects. The semantics are the engine's (engine.ts).
 */
import { AwsServiceError, jsonResponse, type EdgeRequest, type EdgeResponse } from '../edge/types';
import { parseTraceHeader } from '../xray/trace-header';
import type { StepFunctionsEngine } from './engine';
import { seconds, field, page } from './model';

/** The AWSStepFunctions JSON API (X-Amz-Target `AWSStepFunctions.<Action>`) over a StepFunctionsEngine. */
export const handleStepFunctionsRequest = async (
  engine: StepFunctionsEngine,
  request: EdgeRequest,
): Promise<EdgeResponse> => {
  let body: Record<string, unknown>;
  try {
    body = request.body.length > 0 ? (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>) : {};
  } catch (error) {
    throw new AwsServiceError('SerializationException', `The request body is not JSON: ${(error as Error).message}`);
  }
  const traceHeader = request.headers['x-amzn-trace-id'];
  const answer = await dispatch(
    engine,
    request.action,
    body,
    Array.isArray(traceHeader) ? traceHeader[0] : traceHeader,
  );
  return jsonResponse(answer, 'application/x-amz-json-1.0');
};

/**
 * AWS keeps no history of Express executions (they go to CloudWatch Logs): DescribeExecution, GetExecutionHistory and
 * ListExecutions refuse them, so the local API does too, and nothing built on it works locally only.
 */
const expressUnsupported = (action: string): AwsServiceError =>
  new AwsServiceError('StateMachineTypeNotSupported', `${action} is not supported by EXPRESS state machines`);

const standardExecution = (engine: StepFunctionsEngine, arn: string): ReturnType<StepFunctionsEngine['execution']> => {
  const execution = engine.execution(arn);
  if (engine.machine(execution.stateMachineArn).type === 'EXPRESS') throw expressUnsupported('This action');
  return execution;
};

const dispatch = async (
  engine: StepFunctionsEngine,
  action: string | undefined,
  body: Record<string, unknown>,
  requestTraceHeader?: string,
): Promise<unknown> => {
  switch (action) {
    case 'CreateStateMachine':
      return engine.createStateMachine({
        name: field(body, 'name'),
        definition: field(body, 'definition'),
        roleArn: typeof body.roleArn === 'string' ? body.roleArn : undefined,
        type: typeof body.type === 'string' ? body.type : undefined,
      });
    case 'DescribeStateMachine':
      return engine.describeStateMachine(field(body, 'stateMachineArn'));
    case 'ListStateMachines': {
      const { items, nextToken } = page([...engine.machines.values()], body);
      return {
        stateMachines: items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: m.type,
          creationDate: seconds(m.creationDate),
        })),
        nextToken,
      };
    }
    case 'UpdateStateMachine':
      return engine.updateStateMachine(field(body, 'stateMachineArn'), body);
    case 'DeleteStateMachine':
      engine.machine(field(body, 'stateMachineArn'));
      engine.machines.delete(field(body, 'stateMachineArn'));
      return {};
    case 'StartExecution': {
      if (body.traceHeader !== undefined && (typeof body.traceHeader !== 'string' || body.traceHeader.length > 256)) {
        throw new AwsServiceError(
          'ValidationException',
          "1 validation error detected: Value at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256",
        );
      }
      // As AWS documents it: the request's X-Amzn-Trace-Id (a captured SDK client's) wins over the body's traceHeader.
      const traceHeader =
        parseTraceHeader(requestTraceHeader) !== undefined
          ? requestTraceHeader
          : (body.traceHeader as string | undefined);
      const started = engine.startExecution(
        field(body, 'stateMachineArn'),
        body.input === undefined ? '{}' : body.input,
        body.name,
        traceHeader,
      );
      return { executionArn: started.executionArn, startDate: seconds(started.startDate) };
    }
    case 'DescribeExecution':
      return engine.describeExecution(standardExecution(engine, field(body, 'executionArn')).arn);
    case 'GetExecutionHistory': {
      const execution = standardExecution(engine, field(body, 'executionArn'));
      const events = body.reverseOrder === true ? [...execution.history].reverse() : execution.history;
      const { items, nextToken } = page(events, body);
      return { events: items.map((event) => ({ ...event, timestamp: seconds(event.timestamp) })), nextToken };
    }
    case 'ListExecutions': {
      const stateMachineArn = field(body, 'stateMachineArn');
      if (engine.machine(stateMachineArn).type === 'EXPRESS') throw expressUnsupported('ListExecutions');
      const status = body.statusFilter;
      const matching = [...engine.executions.values()]
        .filter((e) => e.stateMachineArn === stateMachineArn && (status === undefined || e.status === status))
        .reverse();
      const { items, nextToken } = page(matching, body);
      return {
        executions: items.map((e) => ({
          executionArn: e.arn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startDate),
          stopDate: e.stopDate === undefined ? undefined : seconds(e.stopDate),
        })),
        nextToken,
      };
    }
    case 'StopExecution': {
      const stopDate = await engine.stopExecution(
        field(body, 'executionArn'),
        typeof body.error === 'string' ? body.error : undefined,
        typeof body.cause === 'string' ? body.cause : undefined,
      );
      return { stopDate: seconds(stopDate) };
    }
    default:
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local Step Functions does not support the action '${action ?? '(none)'}'`,
      );
  }
};
