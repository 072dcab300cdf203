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
import type { LocalCloudDescription, LocalPrincipal, LocalResources } from '@order-platform/local-cloud';
import {
  apiTaskRoleGrants,
  asyncFunctionNames,
  functionRoleGrants,
  functionRoleName,
  toPolicyStatement,
  type RoleArns,
} from '../../modules/role-policies';
import {
  asyncInvocation,
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
  platform,
  type FunctionSpec,
  type ResourceRef,
  type RuleSpec,
} from '../../core/platform/resources';
import { DELIVERY_POLICY_ENV } from '../../core/webhooks/delivery-policy';
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
  // ...but never to the cloud's own ports (the edge and its /_local/reset, DynamoDB Local); the API adds its own.
  WEBHOOK_RESERVED_PORTS: resources.ownPorts.join(','),
  // Where send-email looks up the customer's address (the identity); the demo pool's id.
  USER_POOL_ID: resources.userPool.id,
});

/** The API's role name, as modules/api.ts names the task role (`<prefix>-api-task`) with the local prefix. */
const apiRoleName = (resources: LocalResources): string => `${resources.name('api')}-task`;

/** The access key a role's process signs with: its name in letters and digits (DynamoDB Local refuses other keys). */
export const accessKeyIdOfRole = (roleName: string): string => roleName.replace(/[^A-Za-z0-9]/g, '');

/** The session name a function's role is assumed with: Lambda uses the function's name. */
const functionPrincipal = (spec: FunctionSpec, resources: LocalResources, arns: RoleArns): LocalPrincipal => {
  const roleName = functionRoleName(resources.name(spec.name));
  return {
    accessKeyId: accessKeyIdOfRole(roleName),
    roleName,
    sessionName: resources.name(spec.name),
    statements: functionRoleGrants(spec, platform, arns).map(toPolicyStatement),
  };
};

/**
 * Local ARNs for the role derivation the CDKTF modules use with Terraform references (modules/role-policies.ts),
 * so each process runs with the statements its role gets in AWS.
 */
export const localRoleArns = (resources: LocalResources): RoleArns => {
  const arn = (service: string, resource: string): string =>
    `arn:aws:${service}:${resources.region}:${resources.account}:${resource}`;
  const emailFrom = (functions as readonly FunctionSpec[]).flatMap((spec) => {
    const ref = spec.environment?.EMAIL_FROM;
    return ref !== undefined && 'literal' in ref ? [ref.literal] : [];
  })[0];
  return {
    table: (name) => arn('dynamodb', `table/${resources.name(name)}`),
    bus: (name) => arn('events', `event-bus/${resources.name(name)}`),
    archiveOf: (name) => arn('events', `archive/${resources.name(name)}-archive`),
    replaysOf: (name) => arn('events', `replay/${resources.name(name)}-*`),
    bucket: (name) => `arn:aws:s3:::${resources.name(name)}`,
    queue: (name) => arn('sqs', resources.name(name)),
    stateMachine: (name) => resources.stateMachineArn(name),
    executionsOf: (name) => `${resources.stateMachineArn(name).replace(':stateMachine:', ':execution:')}:*`,
    secret: (name) => resources.secretArn(name),
    userPool: () => arn('cognito-idp', `userpool/${resources.userPool.id}`),
    // Locally send-email sends from its EMAIL_FROM literal; in AWS from the stage's SES identity.
    emailIdentity: () => arn('ses', `identity/${emailFrom ?? '*'}`),
    functionLogGroup: (name) => arn('logs', `log-group:/aws/lambda/${resources.name(name)}`),
  };
};

/** Every function's role and the API's task role, with the statements the CDKTF stack gives them. */
export const platformPrincipals = (resources: LocalResources): LocalPrincipal[] => {
  const arns = localRoleArns(resources);
  const roleName = apiRoleName(resources);
  return [
    ...(functions as readonly FunctionSpec[]).map((spec) => functionPrincipal(spec, resources, arns)),
    {
      accessKeyId: accessKeyIdOfRole(roleName),
      roleName,
      sessionName: 'orders-api',
      statements: apiTaskRoleGrants(platform, arns).map(toPolicyStatement),
    },
  ];
};

const functionEnvironment =
  (spec: FunctionSpec, options: PlatformDescriptionOptions) =>
  (resources: LocalResources): Record<string, string> => {
    const environment: Record<string, string> = {
      ...commonEnvironment(resources),
      // The function signs as its own role, so the local cloud enforces that role's policy (local/iam).
      AWS_ACCESS_KEY_ID: accessKeyIdOfRole(functionRoleName(resources.name(spec.name))),
      POWERTOOLS_SERVICE_NAME: spec.name,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    };
    for (const [key, ref] of Object.entries(spec.environment ?? {})) environment[key] = resolveRef(resources, ref);
    // The cloud's fast clock reaches the webhook retry schedule and breaker here (core/webhooks/delivery-policy.ts):
    // every wait becomes that much shorter, as Step Functions' Retry and Wait do in the cloud itself.
    if (spec.environment !== undefined && DELIVERY_POLICY_ENV.retrySchedule in spec.environment)
      environment[DELIVERY_POLICY_ENV.timeScale] = String(options.timeScale ?? 1);
    return environment;
  };

export interface PlatformDescriptionOptions {
  /** The local cloud's timeScale, which the webhook delivery policy follows too. */
  readonly timeScale?: number;
}

/** The API's environment: what the ECS task definition gives the Fargate task in AWS. */
const apiEnvironment = (resources: LocalResources): Record<string, string> => ({
  ...commonEnvironment(resources),
  // The API signs as its task role, so the local cloud enforces that role's policy (local/iam).
  AWS_ACCESS_KEY_ID: accessKeyIdOfRole(apiRoleName(resources)),
  RECEIPTS_BUCKET: resources.name(byName(buckets, PLATFORM.receiptsBucket, 'bucket').name),
  STATE_MACHINE_ARN: resources.stateMachineArn(byName(stateMachines, PLATFORM.orderSaga, 'state machine').name),
  PARTNER_SECRETS_ARN: resources.secretArn(byName(secrets, PLATFORM.partnerSecrets, 'secret').name),
  POWERTOOLS_SERVICE_NAME: 'orders-api',
  USER_POOL_ID: resources.userPool.id,
  USER_POOL_CLIENT_ID: resources.userPool.clientId,
});

/** The platform as the local cloud builds it; function entries and ASL files are resolved against `baseDir`. */
export const platformDescription = (
  baseDir: string,
  options: PlatformDescriptionOptions = {},
): LocalCloudDescription => ({
  tables,
  buckets,
  // partner-secrets starts with the demo partner acme (issue 5); GET /_local/partners lists it.
  secrets: secrets.map((secret) => ({
    ...secret,
    ...(secret.name === PLATFORM.partnerSecrets ? { initialValue: demoPartnerSecretValue() } : {}),
  })),
  deadLetterQueues: failureQueues,
  queues: queues.map((queue) => ({
    ...queue,
    deadLetter: { ...queue.deadLetter, name: deadLetterQueueName(queue.name) },
  })),
  functions: (functions as readonly FunctionSpec[]).map((spec) => ({
    name: spec.name,
    description: spec.description,
    entry: resolve(baseDir, spec.entry),
    timeoutSeconds: spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
    environment: functionEnvironment(spec, options),
    // The event invoke config the stack gives the functions rules invoke asynchronously (modules/functions.ts).
    ...(asyncFunctionNames(rules as readonly RuleSpec[]).has(spec.name)
      ? { asyncInvocation: { ...asyncInvocation, onFailureQueue: PLATFORM.failureQueue } }
      : {}),
  })),
  stateMachines: stateMachines.map((machine) => ({
    name: machine.name,
    definitionFile: resolve(baseDir, machine.definitionFile),
    functionArnSubstitutions: machine.functionArns,
  })),
  buses: buses.map((bus) => ({
    name: bus.name,
    archive: { name: `${bus.name}-archive`, retentionDays: bus.archiveRetentionDays },
  })),
  rules: rules as readonly RuleSpec[],
  failureQueue: byName(failureQueues, PLATFORM.failureQueue, 'failure queue').name,
  userPool: demoUserPool,
  applicationEnvironment: apiEnvironment,
  principals: platformPrincipals,
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
