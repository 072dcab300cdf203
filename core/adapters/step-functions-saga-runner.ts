/**
 * The reconciler's and the operator's SagaRunner (core/orders/reconciler.ts) over Step Functions: StartExecution
 * with the given name (ExecutionAlreadyExists means the name was used: 'exists'), DescribeExecution for whether
 * an execution of that name runs now (ExecutionDoesNotExist: it does not). The execution ARN is the state
 * machine's with `:stateMachine:` turned into `:execution:` and the name appended, as AWS makes it.
 */
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SagaRunner } from '../orders/reconciler';

export class StepFunctionsSagaRunner implements SagaRunner {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, orderId: string): Promise<'started' | 'exists'> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify({ orderId }),
        }),
      );
      return 'started';
    } catch (error) {
      if ((error as Error).name === 'ExecutionAlreadyExists') return 'exists';
      throw error;
    }
  }

  async isRunning(executionName: string): Promise<boolean> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      const described = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' || described.status === 'PENDING_REDRIVE';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }
}
