/**
 * The glue between the product and the local cloud: turns the one description of the platform's resources
 * (core/platform/resources.ts) into the local cloud package's generic LocalCloudDescription — tables, queues with
 * their DLQs, rules, functions bound to the lambdas/ handlers with the environment the CDKTF module gives them, the
 * state machine from its ASL, the demo user pool and partners, and the API's environment. This folder is the only
 * place that knows both; the package (@order-platform/local-cloud) imports nothing of the product.
 *
 * Resources are looked up by name (`byName`), never by position: a second table or bucket must not silently change
 * what TABLE_NAME or RECEIPTS_BUCKET point at.
 */
import { resolve } from 'node:path';
import type { LocalCloudDescription, LocalResources } from '@order-platform/local-cloud';
import {
  buckets,
  buses,
  deadLetterQueueName,
  failureQueues,
  functions,
  queues,
  rules,
  secrets,
  stateMachines,
  tables,
  type FunctionSpec,
  type ResourceRef,
  type RuleSpec,
} from '../../core/platform/resources';
import { demoUserPool } from './demo-identity';
import { demoPartnerSecretValue, partnersRoute } from './demo-partners';

/** The resources the platform's processes are pointed at, by their logical names in core/platform/resources.ts. */
export const PLATFORM = {
  table: 'orders',
  bus: 'orders',
  receiptsBucket: 'receipts',
  partnerSecrets: 'partner-secrets',
  orderSaga: 'order-saga',
  /** Where failed asynchronous invocations and undeliverable events go. */
  failureQueue: 'event-delivery-dlq',
} as const;

/** The spec named `name`; throws when the description has none, so a rename fails at start, not at run time. */
export const byName = <T extends { readonly name: string }>(specs: readonly T[], name: string, kind: string): T => {
  const found = specs.find((spec) => spec.name === name);
  if (found === undefined) throw new Error(`core/platform/resources.ts describes no ${kind} named ${name}`);
  return found;
};

const resolveRef = (resources: LocalResources, ref: ResourceRef): string => {
  if ('table' in ref) return resources.name(ref.table);
  if ('bucket' in ref) return resources.name(ref.bucket);
  if ('bus' in ref) return resources.name(ref.bus);
  if ('queueUrl' in ref) return resources.queueUrl(ref.queueUrl);
  if ('secretArn' in ref) return resources.secretArn(ref.secretArn);
  if ('stateMachineArn' in ref) return resources.stateMachineArn(ref.stateMachineArn);
  if ('userPoolId' in ref) return resources.userPool.id;
  return ref.literal;
};

/** What every platform process gets on top of the SDK settings (the CDKTF modules set the same in AWS). */
const commonEnvironment = (resources: LocalResources): Record<string, string> => ({
  TABLE_NAME: resources.name(byName(tables, PLATFORM.table, 'table').name),
  EVENT_BUS_NAME: resources.name(byName(buses, PLATFORM.bus, 'bus').name),
  // Webhook deliveries may go to http and loopback receivers here only (core/webhooks/url-safety.ts); never set in AWS.
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  // Where send-email looks up the customer's address (the identity); the demo pool's id.
  USER_POOL_ID: resources.userPool.id,
});

const functionEnvironment =
  (spec: FunctionSpec) =>
  (resources: LocalResources): Record<string, string> => {
    const environment: Record<string, string> = {
      ...commonEnvironment(resources),
      POWERTOOLS_SERVICE_NAME: spec.name,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    };
    for (const [key, ref] of Object.entries(spec.environment ?? {})) environment[key] = resolveRef(resources, ref);
    return environment;
  };

/** The API's environment: what the ECS task definition gives the Fargate task in AWS. */
const apiEnvironment = (resources: LocalResources): Record<string, string> => ({
  ...commonEnvironment(resources),
  RECEIPTS_BUCKET: resources.name(byName(buckets, PLATFORM.receiptsBucket, 'bucket').name),
  STATE_MACHINE_ARN: resources.stateMachineArn(byName(stateMachines, PLATFORM.orderSaga, 'state machine').name),
  PARTNER_SECRETS_ARN: resources.secretArn(byName(secrets, PLATFORM.partnerSecrets, 'secret').name),
  POWERTOOLS_SERVICE_NAME: 'orders-api',
  USER_POOL_ID: resources.userPool.id,
  USER_POOL_CLIENT_ID: resources.userPool.clientId,
});

/** The platform as the local cloud builds it; function entries and ASL files are resolved against `baseDir`. */
export const platformDescription = (baseDir: string): LocalCloudDescription => ({
  tables,
  buckets,
  // partner-secrets starts with the demo partner acme (issue 5); GET /_local/partners lists it.
  secrets: secrets.map((secret) => ({ ...secret, ...(secret.name === PLATFORM.partnerSecrets ? { initialValue: demoPartnerSecretValue() } : {}) })),
  deadLetterQueues: failureQueues,
  queues: queues.map((queue) => ({ ...queue, deadLetter: { ...queue.deadLetter, name: deadLetterQueueName(queue.name) } })),
  functions: (functions as readonly FunctionSpec[]).map((spec) => ({
    name: spec.name,
    description: spec.description,
    entry: resolve(baseDir, spec.entry),
    timeoutSeconds: spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
    environment: functionEnvironment(spec),
  })),
  stateMachines: stateMachines.map((machine) => ({ name: machine.name, definitionFile: resolve(baseDir, machine.definitionFile), functionArnSubstitutions: machine.functionArns })),
  buses: buses.map((bus) => ({ name: bus.name, archive: { name: `${bus.name}-archive`, retentionDays: bus.archiveRetentionDays } })),
  rules: rules as readonly RuleSpec[],
  failureQueue: byName(failureQueues, PLATFORM.failureQueue, 'failure queue').name,
  userPool: demoUserPool,
  applicationEnvironment: apiEnvironment,
  extraRoutes: ({ secrets: secretsManager, names }) => [
    partnersRoute(() => {
      try {
        return secretsManager.find(names(PLATFORM.partnerSecrets)).value;
      } catch {
        return undefined;
      }
    }),
  ],
});
