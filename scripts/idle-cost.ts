/**
 * What a synthesised stage costs per month while nobody uses it, from us-east-1 list prices per resource type
 * (docs/costs.md lists each price with its source page). Only what bills by the hour or by the month counts;
 * everything billed per request (Lambda, Step Functions, EventBridge, API Gateway, CloudFront, DynamoDB on demand)
 * is zero at idle, except the traffic the stack makes by itself (SQS long polls of the event source mappings, the
 * outbox relay's schedule), which is estimated and marked so.
 */

/** Hours in the month AWS prices assume. */
export const HOURS_PER_MONTH = 730;

/** us-east-1 list prices, USD (docs/costs.md: source and date of each). */
export const listPrices = {
  albHour: 0.0225,
  natGatewayHour: 0.045,
  interfaceEndpointAzHour: 0.01,
  publicIpv4Hour: 0.005,
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  secretMonth: 0.4,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  customMetricMonth: 0.3,
  sqsMillionRequests: 0.4,
  lambdaMillionRequests: 0.2,
  lambdaArmGbSecond: 0.0000133334,
} as const;

/**
 * Assumptions where AWS publishes behaviour, not a number: an idle SQS event source mapping keeps 5 long polls
 * of 20 s open (Lambda's initial pollers), 3 ReceiveMessage calls a minute each; Container Insights for one
 * service publishes about 20 metrics; a relay run that finds nothing takes 100 ms.
 */
export const assumptions = { idleSqsPollers: 5, container: { insightsMetrics: 20 }, relayRunSeconds: 0.1 } as const;

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly monthlyUsd: number;
  readonly estimate?: true;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const round = (usd: number): number => Math.round(usd * 100) / 100;
const all = (resources: Resources, type: string): Record<string, unknown>[] => Object.values(resources[type] ?? {});

/** The idle monthly cost lines of one synthesised stack (`resource` of cdk.tf.json). */
export const idleCostLines = (resources: Resources): CostLine[] => {
  const p = listPrices;
  const lines: CostLine[] = [];
  const add = (item: string, quantity: number, monthlyUsd: number, estimate?: true) => {
    if (quantity > 0)
      lines.push({ item, quantity, monthlyUsd: round(monthlyUsd), ...(estimate === undefined ? {} : { estimate }) });
  };
  const albs = all(resources, 'aws_lb').filter((lb) => lb.load_balancer_type === 'application' && lb.internal !== true);
  add('application load balancer (hours)', albs.length, albs.length * p.albHour * HOURS_PER_MONTH);
  // An internet-facing ALB holds one public IPv4 address per subnet (AZ).
  const albIps = albs.reduce((sum, lb) => sum + (Array.isArray(lb.subnets) ? lb.subnets.length : 0), 0);
  add('public IPv4 addresses of the ALB', albIps, albIps * p.publicIpv4Hour * HOURS_PER_MONTH);
  const nats = all(resources, 'aws_nat_gateway').length;
  add('NAT gateway (hours)', nats, nats * p.natGatewayHour * HOURS_PER_MONTH);
  const eips = all(resources, 'aws_eip').length;
  add('Elastic IP (public IPv4) of the NAT', eips, eips * p.publicIpv4Hour * HOURS_PER_MONTH);
  const endpointAzs = all(resources, 'aws_vpc_endpoint')
    .filter((e) => e.vpc_endpoint_type === 'Interface')
    .reduce((sum, e) => sum + (Array.isArray(e.subnet_ids) ? e.subnet_ids.length : 1), 0);
  add('interface VPC endpoints (per AZ)', endpointAzs, endpointAzs * p.interfaceEndpointAzHour * HOURS_PER_MONTH);

  const tasks = all(resources, 'aws_ecs_task_definition');
  for (const service of all(resources, 'aws_ecs_service')) {
    const count = Number(service.desired_count ?? 1);
    const task = tasks[0] ?? {};
    const vcpu = Number(task.cpu ?? 256) / 1024;
    const gb = Number(task.memory ?? 512) / 1024;
    add(
      `Fargate arm64 task ${vcpu} vCPU / ${gb} GB (x${count})`,
      count,
      count * (vcpu * p.fargateArmVcpuHour + gb * p.fargateArmGbHour) * HOURS_PER_MONTH,
    );
    const network = service.network_configuration as { assign_public_ip?: boolean } | undefined;
    if (network?.assign_public_ip === true)
      add('public IPv4 address of each task', count, count * p.publicIpv4Hour * HOURS_PER_MONTH);
  }
  const insights = all(resources, 'aws_ecs_cluster').filter((c) =>
    JSON.stringify(c.setting ?? []).includes('"value":"enabled"'),
  ).length;
  add(
    'ECS Container Insights metrics',
    insights * assumptions.container.insightsMetrics,
    insights * assumptions.container.insightsMetrics * p.customMetricMonth,
    true,
  );

  const secrets = all(resources, 'aws_secretsmanager_secret').length;
  add('Secrets Manager secrets', secrets, secrets * p.secretMonth);
  const alarms = all(resources, 'aws_cloudwatch_metric_alarm').length;
  add('CloudWatch alarms', alarms, alarms * p.alarmMonth);
  const dashboards = all(resources, 'aws_cloudwatch_dashboard').length;
  add('CloudWatch dashboards', dashboards, dashboards * p.dashboardMonth);

  const mappings = all(resources, 'aws_lambda_event_source_mapping').length;
  const pollsPerMonth = assumptions.idleSqsPollers * 3 * 60 * HOURS_PER_MONTH;
  add(
    'SQS long polls of idle event source mappings',
    mappings,
    (mappings * pollsPerMonth * p.sqsMillionRequests) / 1e6,
    true,
  );
  const everyMinute = all(resources, 'aws_cloudwatch_event_rule').filter(
    (r) => r.schedule_expression === 'rate(1 minute)',
  ).length;
  const runs = everyMinute * 60 * HOURS_PER_MONTH;
  add(
    'scheduled Lambda runs (every minute, 256 MB, 100 ms)',
    everyMinute,
    (runs * p.lambdaMillionRequests) / 1e6 + runs * assumptions.relayRunSeconds * 0.25 * p.lambdaArmGbSecond,
    true,
  );
  return lines;
};

/** The sum of the lines, rounded to cents. */
export const idleMonthlyUsd = (lines: readonly CostLine[]): number =>
  round(lines.reduce((sum, line) => sum + line.monthlyUsd, 0));
