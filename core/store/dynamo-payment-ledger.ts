/**
 * The DynamoDB adapter of the simulated provider's PaymentLedger, so the charge and refund functions share the
 * provider's state. Every write is one transaction of the transaction item and the idempotency record (see ./README.md):
 *  - transaction `PK=PAYMENT#<transactionId>`, `SK=PAYMENT`; GSI1 `GSI1PK=ORDER_PAYMENTS#<orderId>` lists an order's payments;
 *  - provider idempotency record `PK=PAYMENT_IDEMPOTENCY#<key>`, `SK=PAYMENT_IDEMPOTENCY`.
 * It also holds the saga's payment fence of an order (`DynamoPaymentFence`, `PK=ORDER#<id>`, `SK=PAYMENT_FENCE`),
 * which is not the provider's state but the saga's, and works the same over a real provider.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PaymentFence, PaymentFenceState, PaymentFenceStatus } from '../payments/payment-fence';
import type { PaymentTransaction, PaymentTransactionStatus } from '../payments/payment-provider';
import type { IdempotencyRecord, PaymentLedger, TransitionOutcome } from '../payments/simulated-provider';
import { GSI1, keys } from './keys';
import { hydrate } from './hydrate';

type Item = Record<string, unknown>;

const toTransaction = (item: Item): PaymentTransaction => ({
  transactionId: item.transactionId as string,
  orderId: item.orderId as string,
  amount: item.amount as PaymentTransaction['amount'],
  status: item.paymentStatus as PaymentTransactionStatus,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

export class DynamoPaymentLedger implements PaymentLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findIdempotencyRecord(idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.paymentIdempotency(idempotencyKey), ConsistentRead: true }),
    );
    return Item === undefined
      ? undefined
      : { idempotencyKey, fingerprint: Item.fingerprint as string, transactionId: Item.transactionId as string };
  }

  async get(transactionId: string): Promise<PaymentTransaction | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.payment(transactionId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toTransaction(Item);
  }

  async create(transaction: PaymentTransaction, record: IdempotencyRecord): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.recordItem(record, transaction.createdAt),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.payment(transaction.transactionId),
                  ...keys.paymentOfOrder(transaction.orderId, transaction.transactionId),
                  type: 'PAYMENT',
                  transactionId: transaction.transactionId,
                  orderId: transaction.orderId,
                  amount: transaction.amount,
                  paymentStatus: transaction.status,
                  createdAt: transaction.createdAt,
                  updatedAt: transaction.updatedAt,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return false;
      throw error;
    }
  }

  async transition(
    transactionId: string,
    from: readonly PaymentTransactionStatus[],
    to: PaymentTransactionStatus,
    at: string,
    record: IdempotencyRecord,
  ): Promise<TransitionOutcome> {
    const values: Item = { ':to': to, ':at': at };
    from.forEach((status, index) => {
      values[`:f${index}`] = status;
    });
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.recordItem(record, at),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.payment(transactionId),
                UpdateExpression: 'SET paymentStatus = :to, updatedAt = :at',
                ConditionExpression: `attribute_exists(PK) AND paymentStatus IN (${from.map((_, index) => `:f${index}`).join(', ')})`,
                ExpressionAttributeValues: values,
              },
            },
          ],
        }),
      );
      return 'done';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'key-exists';
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'wrong-status';
      throw error;
    }
  }

  /** Every payment transaction of an order (GSI1), for tests, reconciliation and the API. */
  async paymentsOfOrder(orderId: string): Promise<PaymentTransaction[]> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.orderPaymentsPartition(orderId) },
      }),
    );
    return (await hydrate(this.client, this.tableName, response.Items ?? [], { consistentRead: true })).map(
      toTransaction,
    );
  }

  private recordItem(record: IdempotencyRecord, at: string): Item {
    return {
      ...keys.paymentIdempotency(record.idempotencyKey),
      type: 'PAYMENT_IDEMPOTENCY',
      fingerprint: record.fingerprint,
      transactionId: record.transactionId,
      createdAt: at,
    };
  }
}

/** Stores the provider's transaction id on the order item (`paymentTransactionId`), once. */
export class DynamoOrderPayments {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordPaymentTransaction(orderId: string, transactionId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET paymentTransactionId = if_not_exists(paymentTransactionId, :id)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':id': transactionId },
      }),
    );
  }

  async getPaymentTransactionId(orderId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        ConsistentRead: true,
        ProjectionExpression: 'paymentTransactionId',
      }),
    );
    return Item?.paymentTransactionId as string | undefined;
  }
}

/**
 * The payment fence (core/payments/payment-fence.ts) as one item in the order's partition. Every write is a
 * conditional update of that item, so a charge's authorisation and a refund's tombstone are totally ordered.
 */
export class DynamoPaymentFence implements PaymentFence {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beginCharge(orderId: string, at: string): Promise<'open' | 'fenced'> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.paymentFence(orderId),
        UpdateExpression:
          'SET #type = :type, orderId = :orderId, fenceStatus = if_not_exists(fenceStatus, :charging), chargeStartedAt = if_not_exists(chargeStartedAt, :at)',
        ConditionExpression: 'attribute_not_exists(fenceStatus) OR fenceStatus <> :tombstone',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'PAYMENT_FENCE',
          ':orderId': orderId,
          ':charging': 'CHARGING',
          ':at': at,
          ':tombstone': 'REFUND_REQUESTED',
        },
      }),
      'open',
    );
  }

  async recordAuthorization(orderId: string, transactionId: string, at: string): Promise<'recorded' | 'fenced'> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.paymentFence(orderId),
        UpdateExpression:
          'SET fenceStatus = :authorized, transactionId = :transactionId, authorizedAt = if_not_exists(authorizedAt, :at)',
        ConditionExpression:
          'fenceStatus IN (:charging, :authorized) AND (attribute_not_exists(transactionId) OR transactionId = :transactionId)',
        ExpressionAttributeValues: {
          ':authorized': 'AUTHORIZED',
          ':charging': 'CHARGING',
          ':transactionId': transactionId,
          ':at': at,
        },
      }),
      'recorded',
    );
  }

  async requestRefund(orderId: string, at: string): Promise<PaymentFenceState> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.paymentFence(orderId),
        UpdateExpression:
          'SET #type = :type, orderId = :orderId, fenceStatus = :tombstone, refundRequestedAt = if_not_exists(refundRequestedAt, :at)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'PAYMENT_FENCE',
          ':orderId': orderId,
          ':tombstone': 'REFUND_REQUESTED',
          ':at': at,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const transactionId = Attributes?.transactionId as string | undefined;
    return {
      status: (Attributes?.fenceStatus as PaymentFenceStatus | undefined) ?? 'REFUND_REQUESTED',
      ...(transactionId === undefined ? {} : { transactionId }),
      chargeBegan: Attributes?.chargeStartedAt !== undefined,
    };
  }

  private async conditional<T extends string>(command: UpdateCommand, done: T): Promise<T | 'fenced'> {
    try {
      await this.client.send(command);
      return done;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'fenced';
      throw error;
    }
  }
}
