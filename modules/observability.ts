/**
 * Observability layer: an SNS topic (email to the stage's alarm address) and alarms on every dead-letter queue's
 * depth, every state machine's failed, timed-out and aborted executions, the API's 5xx and p99 latency, records the
 * outbox relay parked; one CloudWatch dashboard; the X-Ray
 * group and sampling rule of the platform's traces.
 */
import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { Lb } from '@cdktf/provider-aws/lib/lb';
import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { XrayGroup } from '@cdktf/provider-aws/lib/xray-group';
import { XraySamplingRule } from '@cdktf/provider-aws/lib/xray-sampling-rule';
import { physicalName, RELAY_METRICS } from '../core/platform/resources';

export interface ObservabilityLayerProps {
  readonly prefix: string;
  readonly region: string;
  readonly alarmEmail: string;
  /** Logical names of every dead-letter queue (physical names are derived, so alarms match them literally). */
  readonly deadLetterQueueNames: readonly string[];
  readonly stateMachines: ReadonlyMap<string, SfnStateMachine>;
  readonly loadBalancer: Lb;
  /** p99 target response time above which the API alarms. */
  readonly p99LatencySeconds: number;
  /** The API sampling rule's fixed rate beyond its reservoir of one request per second (stage config). */
  readonly apiTraceSampleRate: number;
  /** Whether to create the CloudWatch dashboard (it bills per month). */
  readonly dashboard: boolean;
}

export class ObservabilityLayer extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: ObservabilityLayerProps) {
    super(scope, id);
    const { prefix } = props;
    // No SSE with the AWS-managed key: CloudWatch alarms cannot publish to a topic encrypted with alias/aws/sns,
    // and alarm notifications carry no customer data.
    this.topic = new SnsTopic(this, 'alarms', { name: `${prefix}-alarms` });
    new SnsTopicSubscription(this, 'alarms-email', {
      topicArn: this.topic.arn,
      protocol: 'email',
      endpoint: props.alarmEmail,
    });
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };

    // Every order's path (API -> EventBridge -> Step Functions -> Lambda -> SQS -> processors) starts at the API
    // (segment name orders-api, POWERTOOLS_SERVICE_NAME of the task); the group collects those traces and the rule
    // samples the API's requests that start them: one per second, then the stage's rate (the API honours the rule:
    // XRAY_SAMPLING=centralized, api/middleware/tracing.ts).
    new XrayGroup(this, 'traces', {
      groupName: `${prefix}-orders`,
      filterExpression: 'service("orders-api")',
      insightsConfiguration: { insightsEnabled: true, notificationsEnabled: false },
    });
    new XraySamplingRule(this, 'api-sampling', {
      ruleName: `${prefix}-api`.slice(0, 32),
      priority: 100,
      version: 1,
      reservoirSize: 1,
      fixedRate: props.apiTraceSampleRate,
      serviceName: 'orders-api',
      serviceType: '*',
      host: '*',
      httpMethod: '*',
      urlPath: '/api/*',
      resourceArn: '*',
    });

    for (const name of props.deadLetterQueueNames) {
      const queueName = physicalName(prefix, name);
      new CloudwatchMetricAlarm(this, `alarm-${name}`, {
        alarmName: `${queueName}-not-empty`,
        alarmDescription: `Messages are waiting in ${queueName}: inspect and redrive`,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queueName },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        ...actions,
      });
    }
    // An execution that times out or is aborted ends without its compensation running, just like a failed one.
    const executionEnds = [
      { metric: 'ExecutionsFailed', id: 'failed', why: 'failed (compensation exhausted or unexpected error)' },
      { metric: 'ExecutionsTimedOut', id: 'timed-out', why: 'timed out (a step hung past the machine timeout)' },
      { metric: 'ExecutionsAborted', id: 'aborted', why: 'were aborted (stopped by hand or by a redeploy)' },
    ] as const;
    for (const [name, machine] of props.stateMachines) {
      for (const end of executionEnds) {
        new CloudwatchMetricAlarm(this, `alarm-${name}-${end.id}`, {
          alarmName: `${physicalName(prefix, name)}-executions-${end.id}`,
          alarmDescription: `Executions of ${name} ${end.why}`,
          namespace: 'AWS/States',
          metricName: end.metric,
          dimensions: { StateMachineArn: machine.arn },
          statistic: 'Sum',
          period: 60,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'notBreaching',
          ...actions,
        });
      }
    }
    // A parked outbox record is an event no consumer will see until an operator acts (lambdas/outbox/outbox-relay.ts).
    new CloudwatchMetricAlarm(this, 'alarm-outbox-parked', {
      alarmName: `${physicalName(prefix, RELAY_METRICS.function)}-records-parked`,
      alarmDescription: 'The outbox relay parked records EventBridge kept refusing: inspect the OUTBOX#PARKED items',
      namespace: RELAY_METRICS.namespace,
      metricName: RELAY_METRICS.parked,
      dimensions: { [RELAY_METRICS.dimension]: physicalName(prefix, RELAY_METRICS.function) },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });
    const albDimensions = { LoadBalancer: props.loadBalancer.arnSuffix };
    new CloudwatchMetricAlarm(this, 'alarm-api-5xx', {
      alarmName: `${prefix}-api-5xx`,
      alarmDescription: 'The API answers 5xx',
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensions: albDimensions,
      statistic: 'Sum',
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 5,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });
    new CloudwatchMetricAlarm(this, 'alarm-api-p99', {
      alarmName: `${prefix}-api-p99-latency`,
      alarmDescription: `API p99 latency above ${props.p99LatencySeconds}s`,
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: albDimensions,
      extendedStatistic: 'p99',
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      threshold: props.p99LatencySeconds,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

    const widget = (title: string, metrics: unknown[][], stat: string, y: number, x: number) => ({
      type: 'metric',
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region: props.region, stat, period: 60, metrics },
    });
    if (!props.dashboard) return;
    new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: prefix,
      dashboardBody: JSON.stringify({
        widgets: [
          widget(
            'API requests and 5xx',
            [
              ['AWS/ApplicationELB', 'RequestCount', 'LoadBalancer', props.loadBalancer.arnSuffix],
              ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'LoadBalancer', props.loadBalancer.arnSuffix],
            ],
            'Sum',
            0,
            0,
          ),
          widget(
            'API latency p99',
            [['AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer', props.loadBalancer.arnSuffix]],
            'p99',
            0,
            12,
          ),
          widget(
            'Saga executions',
            [...props.stateMachines.values()].flatMap((m) =>
              // Every end the alarms above watch, beside the successes.
              ['ExecutionsSucceeded', ...executionEnds.map((end) => end.metric)].map((metric) => [
                'AWS/States',
                metric,
                'StateMachineArn',
                m.arn,
              ]),
            ),
            'Sum',
            6,
            0,
          ),
          widget(
            'Dead-letter queues',
            props.deadLetterQueueNames.map((n) => [
              'AWS/SQS',
              'ApproximateNumberOfMessagesVisible',
              'QueueName',
              physicalName(prefix, n),
            ]),
            'Maximum',
            6,
            12,
          ),
        ],
      }),
    });
  }
}
