/**
 * `npm start` (interim, until the local cloud is wired in): DynamoDB Local with the `orders` table and a demo
 * catalog, the local Cognito with the demo users (passwords printed), a stand-in EventBridge PutEvents endpoint
 * feeding the events log (unless AWS_ENDPOINT_URL_EVENTBRIDGE or AWS_ENDPOINT_URL names a real one), the outbox
 * relay on its local schedule, and the API on PORT (default 3000).
 * Ctrl-C or SIGTERM stops every child.
 *
 * DYNAMODB_DATA_DIR=.data/dynamodb keeps the tables on disk between runs; by default they live in memory.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { physicalName, rules } from '../core/platform/resources';
import { DynamoOrderStore } from '../core/store/dynamo-order-store';
import { loadConfig } from '../api/config';
import { startEventBusStub } from '../api/dev/event-bus-stub';
import type { EventBusStub } from '../api/dev/event-bus-stub';
import { startApiServer } from '../api/server';
import type { RunningApi } from '../api/server';
import { createRelayHandler } from '../lambdas/outbox/outbox-relay';
import { startTestCognito } from '../local/cognito/test-tokens';
import { demoCatalog } from '../local/dynamodb/demo-catalog';
import { startLocalTable } from '../local/dynamodb/test-harness';
import type { LocalTable } from '../local/dynamodb/test-harness';

const logger = new Logger({ serviceName: 'start' });
const say = (line: string) => process.stdout.write(`${line}\n`);

const main = async () => {
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error('stopping failed', error as Error));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    const dataDir = process.env.DYNAMODB_DATA_DIR?.trim() || undefined;
    say(`starting DynamoDB Local (${dataDir === undefined ? 'in memory' : `data in ${dataDir}`}) ...`);
    const local: LocalTable = await startLocalTable({ ...(dataDir === undefined ? {} : { dataDir }), prefix: 'local' });
    stops.push(() => local.stop());
    const store = new DynamoOrderStore(local.documentClient, local.tableName);
    const at = new Date().toISOString();
    for (const product of demoCatalog(at)) if ((await store.getProduct(product.productId)) === undefined) await store.putProduct(product);

    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_ENDPOINT_URL_DYNAMODB = local.dynamo.endpoint;
    process.env.TABLE_NAME ??= local.tableName;
    process.env.EVENT_BUS_NAME ??= physicalName('local', 'orders');

    let bus: EventBusStub | undefined;
    if (process.env.AWS_ENDPOINT_URL_EVENTBRIDGE === undefined && process.env.AWS_ENDPOINT_URL === undefined) {
      bus = await startEventBusStub(async (envelope) => {
        await store.recordEvent(envelope, new Date().toISOString());
      });
      const stub = bus;
      stops.push(() => stub.stop());
      process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.endpoint;
    }

    const identity = await startTestCognito({ region: process.env.AWS_REGION });
    stops.push(() => identity.stop());
    process.env.USER_POOL_ID = identity.userPoolId;
    process.env.USER_POOL_CLIENT_ID = identity.userPoolClientId;
    process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = identity.endpoint;

    const api: RunningApi = await startApiServer(loadConfig(), process.env.HOST?.trim() || '127.0.0.1');
    stops.push(() => api.stop());

    const schedule = rules.find((rule) => rule.name === 'outbox-relay-schedule');
    const everyMs = ((schedule !== undefined && 'localScheduleSeconds' in schedule ? schedule.localScheduleSeconds : 60) ?? 60) * 1000;
    const eventBridge = new EventBridgeClient({});
    const relay = createRelayHandler({ store, publisher: new EventBridgePublisher(eventBridge, process.env.EVENT_BUS_NAME), logger, minAgeMs: 5000 });
    const timer = setInterval(() => void relay().catch((error: unknown) => logger.error('outbox relay failed', error as Error)), everyMs);
    stops.push(async () => {
      clearInterval(timer);
      eventBridge.destroy();
    });

    say(`DynamoDB Local  ${local.dynamo.endpoint} (table ${local.tableName}, pid ${local.dynamo.pid})`);
    say(`EventBridge     ${bus === undefined ? process.env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? process.env.AWS_ENDPOINT_URL : `${bus.endpoint} (interim PutEvents stand-in feeding GET /api/events)`}`);
    say(`Cognito (local) ${identity.endpoint} (user pool ${identity.userPoolId}, client ${identity.userPoolClientId})`);
    for (const user of identity.identity.users) say(`  user ${user.username.padEnd(6)} password ${user.password}${user.groups.length > 0 ? `  groups ${user.groups.join(',')}` : ''}`);
    say(`orders API      ${api.url}   (try: curl ${api.url}/api/products)`);
    const alicePassword = identity.identity.users.find((user) => user.username === 'alice')?.password ?? '';
    say(`sign in: TOKEN=$(curl -s ${identity.endpoint}/ -H 'content-type: application/x-amz-json-1.1' -H 'x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth' -d '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"${identity.userPoolClientId}","AuthParameters":{"USERNAME":"alice","PASSWORD":"${alicePassword}"}}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).AuthenticationResult.IdToken')`);
    say('Ctrl-C stops everything.');
  } catch (error) {
    logger.error('npm start failed', error as Error);
    say(`npm start failed: ${(error as Error).message}`);
    await shutdown(1);
  }
};

void main();
