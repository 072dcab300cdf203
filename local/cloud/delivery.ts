/**
 * Where EventBridge targets and asynchronous invocations go, and what happens when they fail for good: the local
 * cloud's TargetSink (SQS, Lambda, Step Functions by ARN) and the failure queue records that AWS would write through
 * a target's DeadLetterConfig, so nothing is lost silently (Lambda's on-failure destination is the local Lambda's).
 */
import type { LocalLogger } from '../edge/logger';
import type { DeliveryFailure, TargetSink } from '../eventbridge/local-event-bridge';
import type { LocalLambda } from '../lambda/local-lambda';
import type { LocalSqs } from '../sqs/local-sqs';
import type { LocalStepFunctions } from '../stepfunctions/local-step-functions';

export class LocalCloudStartError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'LocalCloudStartError';
  }
}

interface DeliveryServices {
  readonly sqs: LocalSqs;
  readonly lambda: LocalLambda;
  readonly stepFunctions: LocalStepFunctions;
  readonly log: LocalLogger;
  /** The physical name of the failure queue; failures are only logged when absent. */
  readonly failureQueue?: string;
}

const record = (
  services: DeliveryServices,
  body: string,
  attributes: Parameters<LocalSqs['sendMessage']>[2],
  what: string,
): void => {
  if (services.failureQueue === undefined) return;
  void services.sqs
    .sendMessage(services.failureQueue, body, attributes)
    .catch((error: unknown) => services.log.error(`could not record ${what}`, error));
};

/** Delivers to SQS, Lambda (asynchronously) and Step Functions by ARN, as EventBridge targets do. */
export const targetSink = (services: DeliveryServices): TargetSink => ({
  deliver: async ({ arn, input, traceHeader }) => {
    const { sqs, lambda, stepFunctions, log } = services;
    const [, , service, , , kind] = arn.split(':');
    if (service === 'sqs') {
      await sqs.sendMessage(arn.split(':').at(-1) ?? '', input, { traceHeader });
      return;
    }
    if (service === 'lambda') {
      // Lambda retries and dead-letters by the function's event invoke config (local/lambda/async-invocation.ts).
      lambda.invokeAsync(
        arn,
        JSON.parse(input),
        (outcome) => {
          if (outcome.condition === undefined) return;
          const context = { function: arn, attempts: outcome.attempts, error: outcome.error };
          if (outcome.destinationError !== undefined)
            log.error('asynchronous invocation given up and its on-failure destination refused it', {
              ...context,
              destinationError: String(outcome.destinationError),
            });
          else log.warn(`asynchronous invocation given up (${outcome.condition})`, context);
        },
        traceHeader === undefined ? {} : { traceHeader },
      );
      return;
    }
    if (service === 'states' && kind?.startsWith('stateMachine')) {
      stepFunctions.startExecution(arn, input, undefined, traceHeader);
      return;
    }
    throw new LocalCloudStartError(`The local EventBridge cannot deliver to ${arn}: no local service for it`);
  },
});

/**
 * As a target's DeadLetterConfig does in AWS: the undeliverable event goes to the failure queue with attributes
 * naming the rule, the target and the error.
 */
export const recordDeliveryFailure =
  (services: DeliveryServices) =>
  (failure: DeliveryFailure): void => {
    services.log.error('event delivery failed after its retries; sent to the failure queue', {
      ruleArn: failure.ruleArn,
      targetId: failure.targetId,
      targetArn: failure.targetArn,
      attempts: failure.attempts,
      error: String(failure.error),
    });
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
    record(
      services,
      failure.input,
      {
        attributes: {
          RULE_ARN: attribute(failure.ruleArn),
          TARGET_ARN: attribute(failure.targetArn),
          ERROR_CODE: attribute(failure.error instanceof Error ? failure.error.name : 'Error'),
          ERROR_MESSAGE: attribute(failure.error instanceof Error ? failure.error.message : String(failure.error)),
        },
      },
      'an undeliverable event',
    );
  };
