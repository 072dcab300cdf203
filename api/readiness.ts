/**
 * What GET /ready asks before it says the API can serve: one cheap call to each dependency every order needs —
 * a GetItem of a key that never exists on the table (DynamoDB) and DescribeEventBus on the bus (EventBridge) —
 * each bounded in time, so a dependency that hangs makes the API unready instead of hanging the probe.
 * /health stays a liveness check that touches nothing: an outage must take the task out of the target group,
 * not get it killed and replaced.
 */
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One dependency's check: resolves when it answers, rejects when it does not. */
export interface ReadinessProbe {
  readonly name: string;
  check(signal: AbortSignal): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, 'ok' | 'unavailable'>>;
}

/** The key no item has: reading it costs half a read unit and proves the table answers. */
const PROBE_KEY = { PK: 'READINESS', SK: 'READINESS' };

export const dynamoDbProbe = (client: DynamoDBDocumentClient, tableName: string): ReadinessProbe => ({
  name: 'dynamodb',
  check: async (signal) => {
    await client.send(new GetCommand({ TableName: tableName, Key: PROBE_KEY }), { abortSignal: signal });
  },
});

export const eventBridgeProbe = (client: EventBridgeClient, busName: string): ReadinessProbe => ({
  name: 'eventbridge',
  check: async (signal) => {
    await client.send(new DescribeEventBusCommand({ Name: busName }), { abortSignal: signal });
  },
});

/** Runs every probe at once, each within `timeoutMs`. */
export const checkReadiness = async (
  probes: readonly ReadinessProbe[],
  timeoutMs: number,
): Promise<ReadinessReport> => {
  const outcomes = await Promise.all(
    probes.map(async (probe) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        await probe.check(controller.signal);
        return [probe.name, 'ok'] as const;
      } catch {
        return [probe.name, 'unavailable'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: outcomes.every(([, outcome]) => outcome === 'ok'), checks: Object.fromEntries(outcomes) };
};
