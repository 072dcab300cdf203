import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateMachines } from '../../core/platform/resources';

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };
// asl-validator ships no type declarations.
const validateAsl = require('asl-validator') as AslValidator;

type State = {
  Type: string;
  Result?: unknown;
  ResultPath?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Next?: string;
  Parameters?: Record<string, unknown>;
};

const raw = readFileSync(join(__dirname, 'order-saga.asl.json'), 'utf8');
const spec = stateMachines[0];
/** The definition as CDKTF deploys it: every ${XxxArn} replaced by a function ARN. */
const deployed = Object.entries(spec.functionArns).reduce(
  (text, [placeholder, fn]) =>
    text.replaceAll(`\${${placeholder}}`, `arn:aws:lambda:eu-west-1:123456789012:function:orders-dev-${fn}`),
  raw,
);
const definition = JSON.parse(deployed) as { TimeoutSeconds?: number; States: Record<string, State> };
const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
const FORWARD = ['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
const BUSINESS = ['ValidationFailedError', 'OutOfStockError', 'PaymentDeclinedError'];

describe('order-saga.asl.json', () => {
  it('is valid ASL once the ARNs are substituted (asl-validator, paths and ARNs checked)', () => {
    const result = validateAsl(JSON.parse(deployed), { checkPaths: true, checkArn: true });

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('uses exactly the placeholders the resource description maps to functions', () => {
    const placeholders = new Set([...raw.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));

    expect([...placeholders].sort()).toEqual(Object.keys(spec.functionArns).sort());
  });

  it('gives the execution and every Task a timeout', () => {
    expect(definition.TimeoutSeconds).toBe(spec.timeoutSeconds);
    expect(
      tasks
        .filter(([, state]) => !(typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > 0))
        .map(([name]) => name),
    ).toEqual([]);
  });

  it('never retries a business error, and retries forward steps only on transient errors with backoff and full jitter', () => {
    for (const name of FORWARD) {
      const retriers = (definition.States[name].Retry ?? []).filter((retrier) => (retrier.MaxAttempts ?? 3) > 0);
      const transient = retriers.find((retrier) => retrier.ErrorEquals.includes('TransientDependencyError'));
      const retried = retriers.flatMap((retrier) => retrier.ErrorEquals);
      expect(retried.filter((error) => BUSINESS.includes(error) || error === 'States.ALL')).toEqual([]);
      expect(transient).toMatchObject({ JitterStrategy: 'FULL' });
      expect(transient?.BackoffRate).toBeGreaterThan(1);
    }
  });

  it('routes every failure to compensation, and every failed compensation to ParkOrder', () => {
    const catchAll = (name: string) =>
      (definition.States[name].Catch ?? []).find((c) => c.ErrorEquals.includes('States.ALL'))?.Next;

    // ValidateOrder's catch-all too: a resumed saga's order may already be reserved or charged (a ValidationFailedError
    // alone goes to MarkOrderFailed, nothing to undo).
    expect(FORWARD.map(catchAll)).toEqual(['RefundPayment', 'ReleaseInventory', 'RefundPayment', 'RefundPayment']);
    expect(
      definition.States.ValidateOrder.Catch?.find((c) => c.ErrorEquals.includes('ValidationFailedError'))?.Next,
    ).toBe('MarkOrderFailed');
    const compensations = ['RefundPayment', 'ReleaseInventory', 'MarkOrderFailed'];
    expect(compensations.map(catchAll)).toEqual(compensations.map((name) => `${name}NotDone`));
    expect(compensations.map((name) => definition.States[`${name}NotDone`])).toEqual(
      compensations.map((name) =>
        expect.objectContaining({ Type: 'Pass', Result: name, ResultPath: '$.failedState', Next: 'ParkOrder' }),
      ),
    );
    expect(
      definition.States.ChargePayment.Catch?.find((c) => c.ErrorEquals.includes('PaymentDeclinedError'))?.Next,
    ).toBe('ReleaseInventory');
    expect(definition.States.ParkOrder.Next).toBe('CompensationFailed');
    expect(definition.States.CompensationFailed.Type).toBe('Fail');
  });

  it('passes every Task the step name its handler expects', () => {
    expect(tasks.map(([name, state]) => [name, state.Parameters?.step])).toEqual(tasks.map(([name]) => [name, name]));
  });
});
