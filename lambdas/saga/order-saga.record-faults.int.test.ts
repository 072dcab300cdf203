/**
 * Issue 20, bug 2 on the whole local cloud (the ASL file as is, the real handlers, Powertools 2.35.0 unmocked,
 * DynamoDB Local): the Powertools idempotency record write fails on the wire, through the cloud's DynamoDB fault plane
 * (local/dynamodb-proxy/dynamodb-faults.ts). Powertools saves a success with an UpdateItem of its record and deletes
 * the record with a DeleteItem after an error; the fault plane refuses exactly those calls of one function, so the
 * record stays INPROGRESS until its in-progress expiry, or stays after a business error. And ReserveInventory's one
 * transaction (its status change with the reservation and the stock) written with its answer lost.
 *
 * Retry waits run at AWS timing (timeScale 1) here: what is under test is whether the ASL's StepInProgressError
 * retries (6 s, then 12 s) outlast the real in-progress window (the function's remaining time, at most 10 s); a
 * scaled-down ASL would retry inside that window and say nothing about AWS.
 */
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { FUNCTION_IDEMPOTENCY_PARTITION } from '../../core/store/keys';
import { startSagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import type { SagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';

jest.setTimeout(120000);

let saga: SagaCloud;

beforeAll(async () => {
  saga = await startSagaCloud('saga-record-faults', { timeScale: 1 });
}, 120000);

afterAll(async () => {
  await saga?.stop();
});

afterEach(() => {
  saga.cloud.services.lambda.clearFaults();
  saga.cloud.services.dynamoDbFaults.clear();
});

/** Fails the calls of `operation` that `fn` makes on its idempotency records (every one of them while in force). */
const failRecordWrite = (fn: string, operation: 'UpdateItem' | 'DeleteItem'): void =>
  saga.cloud.services.dynamoDbFaults.inject({
    function: saga.cloud.names(fn),
    table: saga.tableName,
    operation,
    keyBeginsWith: { PK: FUNCTION_IDEMPOTENCY_PARTITION },
    probability: 1,
  });

/** How many calls the fault plane failed so far. */
const failedCalls = (): number =>
  saga.cloud.services.dynamoDbFaults.list().reduce((sum, fault) => sum + fault.failed, 0);

/** The step's Powertools record as it stands: `saga.<Step>#` + base64 md5 of the JSON of [orderId, step]. */
const recordStatus = async (orderId: string, step: string): Promise<string | undefined> => {
  const hash = createHash('md5')
    .update(JSON.stringify([orderId, step]))
    .digest('base64');
  const { Item } = await saga.documentClient.send(
    new GetCommand({
      TableName: saga.tableName,
      Key: { PK: FUNCTION_IDEMPOTENCY_PARTITION, SK: `saga.${step}#${hash}` },
      ConsistentRead: true,
    }),
  );
  return Item?.idempotencyStatus as string | undefined;
};

describe('ChargePayment captured, then its Powertools success record could not be saved', () => {
  it('answers the capture it made: the order is CONFIRMED with one capture, nothing refunded, the record left INPROGRESS', async () => {
    const productId = await saga.product(5);
    failRecordWrite('charge-payment', 'UpdateItem');

    const orderId = await saga.placeOrder([{ productId, quantity: 2 }]);
    const { execution, order } = await saga.settle(orderId);

    expect([execution, order.status]).toEqual(['SUCCEEDED', 'CONFIRMED']);
    expect(await saga.ledger.paymentsOfOrder(orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED' })]);
    expect(await saga.stores.inventory.getStock(productId)).toBe(3);
    // The fault hit the success write only, once, and the step was answered without a retry.
    expect(failedCalls()).toBe(1);
    expect(await recordStatus(orderId, 'ChargePayment')).toBe('INPROGRESS');
  });

  it('and its result was lost too: the retry meets the record INPROGRESS, waits past the window, runs again and is answered from the capture: CONFIRMED, one capture', async () => {
    const productId = await saga.product(5);
    failRecordWrite('charge-payment', 'UpdateItem');
    saga.cloud.services.lambda.injectFault(saga.cloud.names('charge-payment'), {
      failAfterNext: 1,
      errorType: 'Lambda.Unknown',
    });

    const orderId = await saga.placeOrder([{ productId, quantity: 1 }]);
    const { execution, order } = await saga.settle(orderId, 90000);

    expect([execution, order.status]).toEqual(['SUCCEEDED', 'CONFIRMED']);
    expect(order.timeline.map((entry) => entry.step)).not.toContain('RefundPayment');
    expect(await saga.ledger.paymentsOfOrder(orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED' })]);
    expect(await saga.stores.inventory.getStock(productId)).toBe(4);
    // The first run's save and the save of the run after the window both failed: the step ran again.
    expect(failedCalls()).toBe(2);
  });
});

describe('a business error whose Powertools record could not be deleted', () => {
  it('keeps its meaning: a declined card ends FAILED/PAYMENT_DECLINED with the stock returned, not INTERNAL_ERROR', async () => {
    const productId = await saga.product(5);
    failRecordWrite('charge-payment', 'DeleteItem');

    const orderId = await saga.placeOrder([{ productId, quantity: 2 }], 'tok_chargeDeclined');
    const { execution, order } = await saga.settle(orderId);

    expect([execution, order.status, order.failureReason]).toEqual(['SUCCEEDED', 'FAILED', 'PAYMENT_DECLINED']);
    expect(await saga.ledger.paymentsOfOrder(orderId)).not.toContainEqual(
      expect.objectContaining({ status: 'CAPTURED' }),
    );
    expect(await saga.stores.inventory.getStock(productId)).toBe(5);
    // The delete failed once and the record stayed: no retry met it.
    expect(failedCalls()).toBe(1);
    expect(await recordStatus(orderId, 'ChargePayment')).toBe('INPROGRESS');
  });
});

describe('RefundPayment refunded, then its success record could not be saved', () => {
  it('goes on compensating: FAILED/CONFIRMATION_FAILED with the payment REFUNDED and the stock returned, not parked', async () => {
    const productId = await saga.product(5);
    saga.cloud.services.lambda.injectFault(saga.cloud.names('confirm-order'), { probability: 1 });
    failRecordWrite('refund-payment', 'UpdateItem');

    const orderId = await saga.placeOrder([{ productId, quantity: 1 }]);
    const { execution, order } = await saga.settle(orderId, 90000);

    expect([execution, order.status, order.failureReason]).toEqual(['SUCCEEDED', 'FAILED', 'CONFIRMATION_FAILED']);
    expect(await saga.ledger.paymentsOfOrder(orderId)).toEqual([expect.objectContaining({ status: 'REFUNDED' })]);
    expect(await saga.stores.inventory.getStock(productId)).toBe(5);
    expect(failedCalls()).toBe(1);
  });
});

describe('ReserveInventory’s transaction (status change + reservation + stock) written, its answer lost on the wire', () => {
  it('the retry finds both made on the order item: CONFIRMED, the stock taken once, one INVENTORY_RESERVED entry', async () => {
    const productId = await saga.product(5);
    // By operation alone: the saga's handlers share one SDK client per process locally (signed as whichever built it),
    // and a transaction names its table per item. The reserve is the only TransactWriteItems of a confirmed order
    // through the cloud (the test places the order directly on DynamoDB Local).
    saga.cloud.services.dynamoDbFaults.inject({
      operation: 'TransactWriteItems',
      when: 'after',
      failNext: 1,
    });

    const orderId = await saga.placeOrder([{ productId, quantity: 2 }]);
    const { execution, order } = await saga.settle(orderId, 90000);

    expect([execution, order.status]).toEqual(['SUCCEEDED', 'CONFIRMED']);
    expect(await saga.stores.inventory.getStock(productId)).toBe(3);
    expect(order.timeline.filter((entry) => entry.status === 'INVENTORY_RESERVED')).toHaveLength(1);
    expect(await saga.stores.inventory.getReservation(orderId)).toMatchObject({ status: 'RESERVED' });
    // The transaction was written and its answer lost (the SDK's retries of that call lost theirs too).
    expect(failedCalls()).toBe(1);
  });
});
