/**
 * The one wrapper every saga step handler uses:
 *
 *   export const handler = sagaStep('ChargePayment', { idempotency: 'powertools' }, (input, { steps }) =>
 *     steps.charge(input.orderId, input.order));
 *
 * It validates the Task input the ASL passes, logs through a child logger with orderId, executionId and step on
 * every line, annotates the trace, and maps dependency failures to TransientDependencyError so the ASL retries
 * exactly those. Each handler says how it is safe to run twice (`StepIdempotency`): Powertools Idempotency on
 * [orderId, step] where the step calls the payment provider, its own conditional writes everywhere else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { OrderIdSchema } from '../../core/domain/ids';
import { FailureReasonSchema, MoneySchema, OrderStatusSchema } from '../../core/domain/schemas';
import { SagaStepInputInvalidError } from '../../core/saga/errors';
import { SagaSteps, SAGA_STEPS } from '../../core/saga/saga-steps';
import type { SagaStepInput, SagaStepName, StepResult } from '../../core/saga/saga-steps';
import type { LambdaContext } from './lambda-context';
import { idempotent, invocationLogger } from './powertools';
import { sagaRuntime } from './saga-runtime';
import type { SagaRuntime } from './saga-runtime';
import { traced } from './traced';
import { classifyStepError, isBusinessOutcome } from './transient';

const CaughtErrorSchema = z.object({ Error: z.string().min(1), Cause: z.string().optional() });

export const SagaStepInputSchema = z.object({
  orderId: OrderIdSchema,
  step: z.enum(SAGA_STEPS),
  executionId: z.string().min(1),
  error: CaughtErrorSchema.optional(),
  compensationError: CaughtErrorSchema.optional(),
  failedState: z.enum(SAGA_STEPS).optional(),
  // The previous forward step's view of the order (a hint: the step's conditional write decides).
  order: z
    .object({
      orderId: OrderIdSchema,
      customerId: z.string().min(1),
      status: OrderStatusSchema,
      failureReason: FailureReasonSchema.optional(),
      total: MoneySchema,
      lines: z.array(z.object({ productId: z.string().min(1), quantity: z.number().int().positive() })),
      createdAt: z.string().min(1),
      // What ValidateOrder read of the customer's webhook registrations (core/saga/saga-steps.ts, OrderSnapshot). Any
      // strings: a type unknown to this version is dropped by the step, never a reason to fail the order.
      progressSubscriptions: z.array(z.string()).optional(),
    })
    .optional(),
});

/**
 * How a step stays correct when it runs twice or two copies run at once (a retry, a lost result, a redelivery):
 * - `powertools`: the step calls the payment provider, an effect outside our table that only the first run may make.
 *   Powertools Idempotency on [orderId, step] answers a repeat with the first result and turns a concurrent copy away
 *   (StepInProgressError, retried by the ASL past the in-progress window); it costs two writes per run.
 * - `conditional-writes`: every effect of the step is a conditional write (the status transition, the reservation
 *   record, the timeline's step keys), so a repeat finds its effect made and answers `already-done`, and of two
 *   concurrent copies one write wins and the other answers the order as the winner left it. No idempotency record.
 */
export type StepIdempotency = 'powertools' | 'conditional-writes';

export interface SagaStepOptions {
  readonly idempotency: StepIdempotency;
}

export interface StepContext {
  readonly steps: SagaSteps;
  readonly logger: Logger;
  readonly runtime: SagaRuntime;
}

export type StepBody = (input: SagaStepInput, context: StepContext) => Promise<StepResult>;

/** Parses the Task input; SagaStepInputInvalidError (not retried) names what is wrong. */
export const parseStepInput = (event: unknown, step: SagaStepName): SagaStepInput => {
  const parsed = SagaStepInputSchema.safeParse(event);
  if (!parsed.success)
    throw new SagaStepInputInvalidError(
      `invalid input to ${step}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { cause: parsed.error },
    );
  if (parsed.data.step !== step)
    throw new SagaStepInputInvalidError(`the ${step} function was invoked with the input of ${parsed.data.step}`);
  return parsed.data;
};

/**
 * Builds a step handler. With `powertools`, `body` runs at most once per [orderId, step] (a repeat answers the first
 * result); with `conditional-writes` it runs every time and its own conditional writes make the repeat a no-op.
 */
export const sagaStep = (step: SagaStepName, options: SagaStepOptions, body: StepBody) => {
  const idempotentBodies = new WeakMap<
    SagaRuntime,
    (input: SagaStepInput, context: LambdaContext) => Promise<StepResult>
  >();
  // Invocations may run concurrently in one process (the local cloud): each input object carries its own logger
  // and what its body did, so a failed idempotency write can be told apart from a failed step.
  const loggers = new WeakMap<SagaStepInput, Logger>();
  const settled = new WeakMap<SagaStepInput, { readonly result: StepResult } | { readonly error: unknown }>();
  return async (event: unknown, context: LambdaContext): Promise<StepResult> => {
    const input = parseStepInput(event, step);
    const logger = invocationLogger({ orderId: input.orderId, executionId: input.executionId, step }, context);
    try {
      const runtime = sagaRuntime();
      if (options.idempotency === 'conditional-writes') {
        const result = await traced(`## ${step}`, { orderId: input.orderId, step }, () =>
          body(input, { steps: new SagaSteps({ ...runtime.deps, log: logger }), logger, runtime }),
        );
        logger.info('step done', { outcome: result.outcome, status: result.status });
        return result;
      }
      let run = idempotentBodies.get(runtime);
      if (run === undefined) {
        run = idempotent(
          (parsed: SagaStepInput) => {
            const log =
              loggers.get(parsed) ??
              invocationLogger({ orderId: parsed.orderId, executionId: parsed.executionId, step });
            return body(parsed, { steps: new SagaSteps({ ...runtime.deps, log }), logger: log, runtime }).then(
              (result) => {
                settled.set(parsed, { result });
                return result;
              },
              (error: unknown) => {
                settled.set(parsed, { error });
                throw error;
              },
            );
          },
          { persistence: runtime.newPersistence(), eventKeyJmesPath: '[orderId, step]', keyPrefix: `saga.${step}` },
        );
        idempotentBodies.set(runtime, run);
      }
      loggers.set(input, logger);
      const result = await traced(`## ${step}`, { orderId: input.orderId, step }, () =>
        (run as NonNullable<typeof run>)(input, context),
      ).catch((error: unknown) => {
        const body = settled.get(input);
        if (body === undefined || !(error instanceof Error) || error.name !== 'IdempotencyPersistenceLayerError')
          throw error;
        // Only the record's write failed, after the body had settled: answer what the body did. A success stays a
        // success (the record stays INPROGRESS until its window ends, and the effect is idempotent by itself); a
        // business error keeps its name (issue 20, bug 2).
        logger.warn('the idempotency record could not be written; answering what the step did', { error });
        if ('result' in body) return body.result;
        throw body.error;
      });
      logger.info('step done', { outcome: result.outcome, status: result.status });
      return result;
    } catch (error) {
      const thrown = classifyStepError(error);
      if (isBusinessOutcome(thrown)) logger.info('step ended with a business outcome', { error: thrown });
      else logger.error('step failed', thrown as Error);
      throw thrown;
    }
  };
};
