/**
 * The SagaRunner (core/orders/reconciler.ts) for both workflow types: an execution name is claimed in the table
 * (core/store/saga-start-claims.ts) before StartExecution, because an EXPRESS state machine starts a second execution
 * for a repeated name where a STANDARD one answers ExecutionAlreadyExists. Whether an execution still runs: STANDARD
 * asks DescribeExecution (StepFunctionsSagaRunner); EXPRESS keeps no execution to describe, so a claim younger than
 * the five-minute Express limit (plus the start's own latency) counts as running. The type is read once per
 * instance with DescribeStateMachine.
 */
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SagaRunner } from '../orders/reconciler';
import type { SagaStartClaims } from '../store/saga-start-claims';
import { StepFunctionsSagaRunner } from './step-functions-saga-runner';

/** Express's hard limit on an execution, and the margin for the time between the claim and the execution's start. */
export const EXPRESS_MAX_MS = 300_000;
const START_MARGIN_MS = 15_000;

/** The order an execution name belongs to: `<orderId>` or a resumed `<orderId>-r<N>` (resumedExecutionName). */
export const orderIdOfExecution = (executionName: string): string => executionName.replace(/-r\d+$/, '');

export class ClaimedSagaRunner implements SagaRunner {
  private readonly executions: StepFunctionsSagaRunner;
  private type: Promise<string> | undefined;

  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
    private readonly claims: SagaStartClaims,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.executions = new StepFunctionsSagaRunner(client, stateMachineArn);
  }

  async start(executionName: string, orderId: string): Promise<'started' | 'exists'> {
    const at = this.now().toISOString();
    if (!(await this.claims.claim(orderId, executionName, at))) return 'exists';
    try {
      return await this.executions.start(executionName, orderId);
    } catch (error) {
      // Not started: give the name back so the caller's retry (the SQS redelivery, the next pass) can claim it.
      await this.claims.release(orderId, executionName, at).catch(() => undefined);
      throw error;
    }
  }

  async isRunning(executionName: string): Promise<boolean> {
    if ((await this.workflowType()) !== 'EXPRESS') return this.executions.isRunning(executionName);
    const claim = await this.claims.find(orderIdOfExecution(executionName), executionName);
    if (claim === undefined) return false;
    return this.now().getTime() - Date.parse(claim.claimedAt) < EXPRESS_MAX_MS + START_MARGIN_MS;
  }

  private workflowType(): Promise<string> {
    this.type ??= this.client
      .send(new DescribeStateMachineCommand({ stateMachineArn: this.stateMachineArn }))
      .then((described) => described.type ?? 'STANDARD');
    // A failed lookup is not cached: the next call asks again.
    this.type.catch(() => {
      this.type = undefined;
    });
    return this.type;
  }
}
