/**
 * Issue 18: order events reach the webhook fan-out only for a customer with a subscribed endpoint. Against the whole
 * local cloud (the real rule and its pattern, the saga's handlers, the fan-out and delivery Lambdas, DynamoDB Local):
 * a customer without an endpoint places an order and the fan-out is never invoked; the same customer then registers
 * an endpoint and places another order, and the deliveries arrive — nothing remembered a "no" from the first order.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ulid } from 'ulid';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { startSagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import type { SagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import { waitFor as pollUntil } from '../../scripts/local-platform/test-support/wait-for';

jest.setTimeout(120_000);

const CUSTOMER = `routing-${ulid()}`;
const FAN_OUT = 'local-fan-out-webhooks';

let saga: SagaCloud;
let receiver: Server;
let receiverUrl = '';
const received: { path: string; body: { type: string; data: { orderId: string } } }[] = [];

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** The shared poller with this file's time limit. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
  pollUntil(what, probe, timeoutMs);

const fanOutInvocations = (): number =>
  saga.cloud.services.metrics.snapshot().functions.find((entry) => entry.function === FAN_OUT)?.invocations ?? 0;

/** Places an order of CUSTOMER and waits until it is CONFIRMED and the events log has recorded its order.confirmed. */
const confirmedOrder = async (): Promise<string> => {
  const orderId = await saga.placeOrder([{ productId: await saga.product(5), quantity: 1 }]);
  const { order } = await saga.settle(orderId);
  expect(order.status).toBe('CONFIRMED');
  await saga.service.settled();
  // The events log is fed by the same bus in the same PutEvents: once it has order.confirmed, every rule has routed it.
  await waitFor('order.confirmed in the events log', async () =>
    (await saga.stores.events.listEvents({ limit: 50 })).items.find(
      (event) => event.detailType === 'order.confirmed' && event.detail.orderId === orderId,
    ),
  );
  return orderId;
};

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  saga = await startSagaCloud(CUSTOMER);
}, 120_000);

afterAll(async () => {
  await saga?.stop();
  await new Promise<void>((closed) => receiver.close(() => closed()));
});

describe('order events and the webhook fan-out', () => {
  it('a customer without an endpoint: the fan-out receives nothing of their order', async () => {
    const before = fanOutInvocations();

    await confirmedOrder();
    // The queue's event source mapping polls; give it time to have taken anything the rule sent.
    await sleep(1500);

    expect(fanOutInvocations() - before).toBe(0);
  });

  it('the same customer registers an endpoint, then orders: order.created and order.confirmed are delivered', async () => {
    await new DynamoWebhookStore(saga.documentClient, saga.tableName).createEndpoint({
      webhookId: ulid(),
      customerId: CUSTOMER,
      url: `${receiverUrl}/hook`,
      eventTypes: ['order.created', 'order.confirmed'],
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      createdAt: new Date().toISOString(),
    });

    const orderId = await confirmedOrder();

    const types = await waitFor('both deliveries', async () => {
      const mine = received.filter((request) => request.body.data.orderId === orderId).map((r) => r.body.type);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(types.sort()).toEqual(['order.confirmed', 'order.created']);
  });
});
