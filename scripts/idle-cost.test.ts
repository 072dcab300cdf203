import { Testing } from 'cdktf';
import { PlatformStack } from '../modules/platform-stack';
import { stages } from '../modules/stage-config';
import { fixtureDefinitions } from '../modules/test-support/test-fixtures';
import { idleCostLines, idleMonthlyUsd } from './idle-cost';

const synthResources = (config: typeof stages.dev) => {
  const stack = new PlatformStack(Testing.app(), `order-platform-${config.stage}`, {
    config,
    backend: { kind: 'local', path: 'x' },
    rootDir: __dirname,
    definitions: fixtureDefinitions(),
  });
  return (JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Record<string, unknown>>> })
    .resource;
};

describe('idle monthly cost from list prices', () => {
  it('prices interface endpoints per AZ: the 8 endpoints x 2 AZs of the old dev network cost $116.80', () => {
    const endpoints = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`e${i}`, { vpc_endpoint_type: 'Interface', subnet_ids: ['a', 'b'] }]),
    );

    const lines = idleCostLines({ aws_vpc_endpoint: endpoints });

    expect(lines).toEqual([{ item: 'interface VPC endpoints (per AZ)', quantity: 16, monthlyUsd: 116.8 }]);
  });

  it('prices an internet-facing ALB with its two public IPv4 addresses', () => {
    const lines = idleCostLines({
      aws_lb: { api: { load_balancer_type: 'application', internal: false, subnets: ['a', 'b'] } },
    });

    expect(idleMonthlyUsd(lines)).toBe(16.43 + 7.3);
  });

  it('keeps the dev stage at or below $40 a month idle', () => {
    expect(idleMonthlyUsd(idleCostLines(synthResources(stages.dev)))).toBeLessThanOrEqual(40);
  });
});
