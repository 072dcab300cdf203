import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SagaStartClaim, SagaStartClaims } from '../store/saga-start-claims';
import { ClaimedSagaRunner, orderIdOfExecution } from './claimed-saga-runner';

const ARN = 'arn:aws:states:eu-west-1:000000000000:stateMachine:orders-prod-order-saga';

class MemoryClaims implements SagaStartClaims {
  readonly items = new Map<string, SagaStartClaim>();
  async claim(orderId: string, executionName: string, at: string): Promise<boolean> {
    const key = `${orderId}/${executionName}`;
    if (this.items.has(key)) return false;
    this.items.set(key, { executionName, claimedAt: at });
    return true;
  }
  async release(orderId: string, executionName: string, at: string): Promise<void> {
    if (this.items.get(`${orderId}/${executionName}`)?.claimedAt === at)
      this.items.delete(`${orderId}/${executionName}`);
  }
  async find(orderId: string, executionName: string): Promise<SagaStartClaim | undefined> {
    return this.items.get(`${orderId}/${executionName}`);
  }
}

/** A Step Functions of one machine of the given type, answering by command name; records what it was sent. */
const stepFunctions = (type: 'STANDARD' | 'EXPRESS', startFails = false) => {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      if (command.constructor.name === 'DescribeStateMachineCommand') return { type };
      if (command.constructor.name === 'StartExecutionCommand') {
        if (startFails) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        return { executionArn: `${ARN}:x` };
      }
      throw Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' });
    },
  } as unknown as Pick<SFNClient, 'send'>;
  return { client, sent };
};

describe('ClaimedSagaRunner', () => {
  it('starts an execution once per name: a second start finds the claim and sends nothing', async () => {
    const sfn = stepFunctions('EXPRESS');
    const runner = new ClaimedSagaRunner(sfn.client, ARN, new MemoryClaims());

    const first = await runner.start('01J0ORDER', '01J0ORDER');
    const second = await runner.start('01J0ORDER', '01J0ORDER');

    expect([first, second]).toEqual(['started', 'exists']);
    expect(sfn.sent.filter((name) => name === 'StartExecutionCommand')).toHaveLength(1);
  });

  it('gives the claim back when StartExecution fails, so a retry can start it', async () => {
    expect.assertions(2);
    const claims = new MemoryClaims();
    const runner = new ClaimedSagaRunner(stepFunctions('EXPRESS', true).client, ARN, claims);

    await runner
      .start('01J0ORDER', '01J0ORDER')
      .catch((error: Error) => expect(error.name).toBe('ThrottlingException'));

    expect(claims.items.size).toBe(0);
  });

  it('on EXPRESS, counts an execution as running until its claim is older than the five-minute limit', async () => {
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const runner = new ClaimedSagaRunner(stepFunctions('EXPRESS').client, ARN, new MemoryClaims(), () => new Date(now));
    await runner.start('01J0ORDER-r1', '01J0ORDER');

    now += 299_000;
    const within = await runner.isRunning('01J0ORDER-r1');
    now += 20_000;
    const after = await runner.isRunning('01J0ORDER-r1');

    expect([within, after]).toEqual([true, false]);
  });

  it('on STANDARD, asks DescribeExecution whether the execution runs, whatever its claim', async () => {
    const sfn = stepFunctions('STANDARD');
    const runner = new ClaimedSagaRunner(sfn.client, ARN, new MemoryClaims());
    await runner.start('01J0ORDER', '01J0ORDER');

    const running = await runner.isRunning('01J0ORDER');

    expect(running).toBe(false);
    expect(sfn.sent).toContain('DescribeExecutionCommand');
  });

  it('reads the order of a resumed execution name', () => {
    expect([orderIdOfExecution('01J0ORDER-r12'), orderIdOfExecution('01J0ORDER')]).toEqual(['01J0ORDER', '01J0ORDER']);
  });
});
