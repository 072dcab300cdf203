/**
 * Test-only inputs for the CDKTF tests: a small valid ASL that uses every placeholder of the description's saga
 * (the real file, lambdas/saga/order-saga.asl.json, is owned by the saga and may not exist yet).
 */
import { stateMachines } from '../../core/platform/resources';

const task = (placeholder: string, next?: string): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${placeholder}}`, 'Payload.$': '$' },
  OutputPath: '$.Payload',
  ...(next === undefined ? { End: true } : { Next: next }),
});

/** A linear state machine invoking each mapped function once, in the description's order. */
export const fixtureAsl = (placeholders: readonly string[] = Object.keys(stateMachines[0].functionArns)): string => {
  const states = Object.fromEntries(
    placeholders.map((p, i) => [p.replace(/Arn$/, ''), task(p, placeholders[i + 1]?.replace(/Arn$/, ''))]),
  );
  return JSON.stringify(
    { Comment: 'test fixture', StartAt: placeholders[0].replace(/Arn$/, ''), States: states },
    null,
    2,
  );
};

/** Definitions for every state machine of the description. */
export const fixtureDefinitions = (): Record<string, string> =>
  Object.fromEntries(stateMachines.map((sm) => [sm.name, fixtureAsl(Object.keys(sm.functionArns))]));

/** A parsed synthesized stack: `resource.<type>.<id>` -> properties. */
export interface SynthesizedStack {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly terraform: Record<string, unknown>;
  readonly provider: Record<string, unknown[]>;
}

/** All resources of one Terraform type in a synthesized stack. */
export const resourcesOf = (stack: SynthesizedStack, type: string): Record<string, unknown>[] =>
  Object.values(stack.resource[type] ?? {});
