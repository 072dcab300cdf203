/**
 * Messaging layer: the EventBridge bus with its archive, every SQS queue with its DLQ, the failure queues, and
 * (once functions and state machines exist) every rule with its targets. Walks the description; lists nothing.
 */
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchEventArchive } from '@cdktf/provider-aws/lib/cloudwatch-event-archive';
import { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import {
  type BusSpec,
  deadLetterQueueName,
  type FailureQueueSpec,
  physicalName,
  type QueueSpec,
  type RuleSpec,
} from '../core/platform/resources';
import { ServiceRole } from './base/iam';

export interface MessagingLayerProps {
  readonly prefix: string;
  readonly buses: readonly BusSpec[];
  readonly queues: readonly QueueSpec[];
  readonly failureQueues: readonly FailureQueueSpec[];
}

export class MessagingLayer extends Construct {
  readonly buses = new Map<string, CloudwatchEventBus>();
  /** Processing queues by logical name. */
  readonly queues = new Map<string, SqsQueue>();
  /** Every dead-letter queue (processing queues' and failure queues) by logical name, e.g. `email-dlq`. */
  readonly deadLetterQueues = new Map<string, SqsQueue>();

  constructor(scope: Construct, id: string, props: MessagingLayerProps) {
    super(scope, id);
    for (const spec of props.buses) {
      const bus = new CloudwatchEventBus(this, `bus-${spec.name}`, { name: physicalName(props.prefix, spec.name) });
      new CloudwatchEventArchive(this, `archive-${spec.name}`, {
        name: physicalName(props.prefix, `${spec.name}-archive`),
        description: `Every event on ${spec.name}, for replay`,
        eventSourceArn: bus.arn,
        retentionDays: spec.archiveRetentionDays,
      });
      this.buses.set(spec.name, bus);
    }
    for (const spec of props.failureQueues) {
      this.deadLetterQueues.set(
        spec.name,
        new SqsQueue(this, `queue-${spec.name}`, {
          name: physicalName(props.prefix, spec.name),
          messageRetentionSeconds: spec.messageRetentionSeconds,
          sqsManagedSseEnabled: true,
        }),
      );
    }
    for (const spec of props.queues) {
      const dlqName = deadLetterQueueName(spec.name);
      const dlq = new SqsQueue(this, `queue-${dlqName}`, {
        name: physicalName(props.prefix, dlqName),
        messageRetentionSeconds: spec.deadLetter.messageRetentionSeconds,
        sqsManagedSseEnabled: true,
      });
      const queue = new SqsQueue(this, `queue-${spec.name}`, {
        name: physicalName(props.prefix, spec.name),
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        messageRetentionSeconds: spec.messageRetentionSeconds,
        delaySeconds: spec.delaySeconds,
        sqsManagedSseEnabled: true,
        redrivePolicy: Fn.jsonencode({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: spec.deadLetter.maxReceiveCount,
        }),
      });
      this.deadLetterQueues.set(dlqName, dlq);
      this.queues.set(spec.name, queue);
    }
  }
}

export interface EventRulesProps {
  readonly prefix: string;
  readonly rules: readonly RuleSpec[];
  readonly buses: ReadonlyMap<string, CloudwatchEventBus>;
  readonly queues: ReadonlyMap<string, SqsQueue>;
  readonly functions: ReadonlyMap<string, LambdaFunction>;
  readonly stateMachines: ReadonlyMap<string, SfnStateMachine>;
  /** Where a target's events go after EventBridge gave up retrying. */
  readonly targetDeadLetterQueue: SqsQueue;
  /** The stage's account id (a Terraform expression), for trust conditions. */
  readonly accountId: string;
}

/** EventBridge retries a failed delivery for up to a day, then the event goes to the target's DLQ. */
const targetRetryPolicy = { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 };

/** Every rule of the description with its targets, each with a retry policy and a DLQ, and the permissions they need. */
export class EventRules extends Construct {
  readonly rules = new Map<string, CloudwatchEventRule>();

  constructor(scope: Construct, id: string, props: EventRulesProps) {
    super(scope, id);
    const queueSenders = new Map<string, string[]>();
    const need = <V>(map: ReadonlyMap<string, V>, name: string, what: string): V => {
      const value = map.get(name);
      if (value === undefined) throw new EventRuleTargetUnknownError(`rule target names unknown ${what} "${name}"`);
      return value;
    };
    for (const spec of props.rules) {
      const onDefaultBus = spec.bus === 'default';
      const rule = new CloudwatchEventRule(this, `rule-${spec.name}`, {
        name: physicalName(props.prefix, spec.name),
        description: spec.description,
        ...(onDefaultBus ? {} : { eventBusName: need(props.buses, spec.bus, 'bus').name }),
        ...(spec.eventPattern === undefined ? {} : { eventPattern: JSON.stringify(spec.eventPattern) }),
        ...(spec.schedule === undefined ? {} : { scheduleExpression: spec.schedule }),
      });
      this.rules.set(spec.name, rule);
      for (const target of spec.targets) {
        const common = {
          rule: rule.name,
          ...(onDefaultBus ? {} : { eventBusName: rule.eventBusName }),
          targetId: target.id,
          ...(target.inputPath === undefined ? {} : { inputPath: target.inputPath }),
          retryPolicy: targetRetryPolicy,
          deadLetterConfig: { arn: props.targetDeadLetterQueue.arn },
        };
        const targetId = `target-${spec.name}-${target.id}`;
        if (target.kind === 'sqs') {
          const queue = need(props.queues, target.queue, 'queue');
          new CloudwatchEventTarget(this, targetId, { ...common, arn: queue.arn });
          queueSenders.set(target.queue, [...(queueSenders.get(target.queue) ?? []), rule.arn]);
        } else if (target.kind === 'lambda') {
          const fn = need(props.functions, target.function, 'function');
          new CloudwatchEventTarget(this, targetId, { ...common, arn: fn.arn });
          new LambdaPermission(this, `permission-${spec.name}-${target.id}`, {
            statementId: `events-${spec.name}`,
            action: 'lambda:InvokeFunction',
            functionName: fn.functionName,
            principal: 'events.amazonaws.com',
            sourceArn: rule.arn,
          });
        } else {
          const machine = need(props.stateMachines, target.stateMachine, 'state machine');
          const role = new ServiceRole(this, `role-${spec.name}-${target.id}`, {
            roleName: physicalName(props.prefix, `${spec.name}-${target.id}-events`).slice(0, 64),
            servicePrincipal: 'events.amazonaws.com',
            grants: [{ actions: ['states:StartExecution'], resources: [machine.arn] }],
            trust: { sourceAccount: props.accountId, sourceArnLike: rule.arn },
          });
          new CloudwatchEventTarget(this, targetId, { ...common, arn: machine.arn, roleArn: role.role.arn });
        }
      }
    }
    for (const [queueName, ruleArns] of queueSenders)
      this.allowEventBridge(`policy-${queueName}`, need(props.queues, queueName, 'queue'), ruleArns);
    this.allowEventBridge(
      'policy-target-dlq',
      props.targetDeadLetterQueue,
      [...this.rules.values()].map((r) => r.arn),
    );
  }

  private allowEventBridge(id: string, queue: SqsQueue, ruleArns: readonly string[]): void {
    const document = new DataAwsIamPolicyDocument(this, `${id}-document`, {
      statement: [
        {
          sid: 'EventBridgeRules',
          actions: ['sqs:SendMessage'],
          resources: [queue.arn],
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [...ruleArns] }],
        },
      ],
    });
    new SqsQueuePolicy(this, id, { queueUrl: queue.url, policy: document.json });
  }
}

/** A rule names a queue, function, bus or state machine that the description does not define. */
export class EventRuleTargetUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventRuleTargetUnknownError';
  }
}
