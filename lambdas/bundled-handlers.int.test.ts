/**
 * The handlers as they deploy: every function is built with the bundler `npm run bundle` uses (scripts/bundle.ts),
 * its zip unpacked, and the local cloud runs `index.handler` from those files instead of the TypeScript sources the
 * other integration tests load. An order then goes the whole way, order.created -> start-saga -> the saga's steps
 * -> order.confirmed -> the events log and the confirmation email, so a bundle that does not load or misses a
 * dependency fails here, before a deploy.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ulid } from 'ulid';
import { startCloud, type RunningLocalCloud } from '@order-platform/local-cloud';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { money } from '../core/domain/money';
import type { Order } from '../core/domain/order';
import { OrderService } from '../core/orders/order-service';
import { functions, physicalName } from '../core/platform/resources';
import { createDynamoStores, type DynamoStores } from '../core/store/dynamo-stores';
import { bundleFunctions, unpackZip } from '../scripts/bundle';
import { LOCAL_PREFIX } from '../scripts/local-platform/cloud';
import { platformDescription } from '../scripts/local-platform/description';
import { waitFor } from '../scripts/local-platform/test-support/wait-for';

jest.setTimeout(600_000);

const rootDir = resolve(__dirname, '..');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The shared poller with this file's time limit, every 200 ms. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitFor(what, probe, timeoutMs, 200);

describe('the platform running the bundled handlers (the zips that deploy)', () => {
  let workDir: string;
  let cloud: RunningLocalCloud;
  let stores: DynamoStores;
  let service: OrderService;
  const loaded: string[] = [];
  const missingBundles: string[] = [];

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    process.env.LOCAL_CLOUD_LOG_LEVEL = 'silent';
    workDir = mkdtempSync(join(tmpdir(), 'bundled-handlers-'));
    const report = await bundleFunctions({ rootDir, outDir: join(workDir, 'zips') });
    missingBundles.push(...report.missing.map((missing) => missing.name));
    const unpacked = new Map(
      report.built.map((bundle) => {
        const dir = join(workDir, 'functions', bundle.name);
        unpackZip(readFileSync(bundle.zipPath), dir);
        return [bundle.name, join(dir, 'index.js')];
      }),
    );
    const description = platformDescription(rootDir);
    cloud = await startCloud(
      {
        ...description,
        functions: (description.functions ?? []).map((fn) => ({
          ...fn,
          entry: unpacked.get(fn.name) ?? join(workDir, 'functions', fn.name, 'missing.js'),
          load: (entry: string) => {
            loaded.push(entry);
            return (require(entry) as { handler: never }).handler;
          },
        })),
      },
      { edgePort: 0, timeScale: 0.001, names: (logical) => physicalName(LOCAL_PREFIX, logical) },
    );
    const documentClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: cloud.services.dynamoDbEndpoint, region: 'us-east-1', credentials }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    stores = createDynamoStores(documentClient, cloud.names('orders'));
    const publisher = new EventBridgePublisher(
      new EventBridgeClient({ endpoint: cloud.edgeUrl, region: 'us-east-1', credentials }),
      cloud.names('orders'),
    );
    service = new OrderService({
      orders: stores.orders,
      products: stores.products,
      outbox: stores.outbox,
      publisher,
      log: new Logger({ logLevel: 'CRITICAL' }),
      newId: ulid,
    });
  });

  afterAll(async () => {
    await cloud?.stop();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('bundles every function of the description and loads each one from its unpacked zip', () => {
    expect(missingBundles).toEqual([]);
    expect(cloud.missingFunctions).toEqual([]);
    expect([...loaded].sort()).toEqual(functions.map((fn) => join(workDir, 'functions', fn.name, 'index.js')).sort());
  });

  it('takes an order to CONFIRMED through the bundled saga, records its events and sends the confirmation email', async () => {
    // prepare
    const alice = cloud.services.identity.users.find((user) => user.username === 'alice');
    const productId = `p-${ulid()}`;
    await stores.products.putProduct({
      productId,
      name: 'Bundled beans',
      price: money(1200, 'EUR'),
      stock: 3,
      updatedAt: new Date().toISOString(),
    });
    // act
    const { order } = await service.createOrder(alice?.sub as string, ulid(), {
      items: [{ productId, quantity: 1 }],
      paymentToken: 'tok_visa',
    });
    // assess
    const confirmed = await eventually('the order to be CONFIRMED', async () => {
      const current = (await stores.orders.getOrder(order.orderId)) as Order | undefined;
      return current?.status === 'CONFIRMED' || current?.status === 'FAILED' || current?.status === 'NEEDS_ATTENTION'
        ? current
        : undefined;
    });
    expect(confirmed.status).toBe('CONFIRMED');
    // Both went straight to the bus (an outbox record is written only when a publish fails) and the bundled
    // record-event wrote them to the events log under their stable ids.
    const recorded = await eventually('order.confirmed in the events log', async () => {
      const { items } = await stores.events.listEvents({ limit: 100 });
      const types = items
        .filter((event) => event.eventId.startsWith(`${order.orderId}-`))
        .map((event) => event.detailType)
        .sort();
      return types.includes('order.confirmed') ? types : undefined;
    });
    expect(recorded).toEqual(['order.confirmed', 'order.created']);
    const email = await eventually('the confirmation email', async () => {
      const { emails } = (await (await fetch(`${cloud.edgeUrl}/_local/emails`)).json()) as {
        emails: { to: string[]; subject: string }[];
      };
      return emails.find((candidate) => candidate.subject.includes(order.orderId));
    });
    expect(email.to).toEqual([alice?.email]);
  });
});
