/**
 * The DynamoDB adapter of the simulated provider's PaymentLedger, so the charge and refund functions share the
 * provider's state. Every provider call is one conditional single-item write of the transaction (see ./README.md):
 *  - transaction `PK=PAYMENT#<transactionId>`, `SK=PAYMENT`; GSI1 `GSI1PK=ORDER_PAYMENTS#<orderId>` lists an order's
 *    payments; `appliedKeys` maps each idempotency key applied to it to its request's fingerprint; `capturedAt` and
 *    `returnedAt` stamp the moves made, from which the status is derived (core/payments/simulated-provider.ts).
 * A refused write answers the item it was refused on (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so telling a
 * replay from a conflict costs no read.
 * It also holds the saga's payment fence of an order (`DynamoPaymentFence`, `PK=ORDER#<id>`, `SK=PAYMENT_FENCE`),
 * which is not the provider's state but the saga's, and works the same over a real provider.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { PaymentFence, PaymentFenceState, PaymentFenceStatus } from '../payments/payment-fence';
import type { PaymentTransaction } from '../payments/payment-provider';
import {
  MOVES_MADE,
  PAYMENT_MOVES,
  statusOf,
  type AppliedKey,
  type LedgerEntry,
  type LedgerWrite,
  type PaymentLedger,
  type PaymentMove,
} from '../payments/simulated-provider';
import { GSI1, keys } from './keys';
import { hydrate } from './hydrate';

type Item = Record<string, unknown>;

/** The attribute that stamps each move on the transaction item. */
const STAMP: Readonly<Record<PaymentMove, string>> = { capture: 'capturedAt', return: 'returnedAt' };
const MOVES = Object.keys(STAMP) as PaymentMove[];

const toEntry = (item: Item): LedgerEntry => ({
  transaction: {
    transactionId: item.transactionId as string,
    orderId: item.orderId as string,
    amount: item.amount as PaymentTransaction['amount'],
    status: statusOf(new Set(MOVES.filter((move) => item[STAMP[move]] !== undefined))),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  },
  appliedKeys: (item.appliedKeys ?? {}) as Record<string, string>,
});

/** "The item's status is one of `from`", over the stamps (PAYMENT_MOVES, MOVES_MADE). */
const statusCondition = (from: readonly PaymentTransaction['status'][]): string => {
  const terms = from.map((status) =>
    MOVES.map(
      (move) => `${MOVES_MADE[status].includes(move) ? 'attribute_exists' : 'attribute_not_exists'}(${STAMP[move]})`,
    ).join(' AND '),
  );
  // DynamoDB refuses parentheses it deems redundant, so a single status goes in bare.
  return terms.length === 1 ? terms[0] : `(${terms.map((term) => `(${term})`).join(' OR ')})`;
};

export class DynamoPaymentLedger implements PaymentLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(transactionId: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.payment(transactionId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toEntry(Item);
  }

  /** The transaction alone, for tests and reconciliation. */
  async get(transactionId: string): Promise<PaymentTransaction | undefined> {
    return (await this.read(transactionId))?.transaction;
  }

  async create(transaction: PaymentTransaction, key: AppliedKey): Promise<LedgerWrite> {
    const appliedKeys = { [key.idempotencyKey]: key.fingerprint };
    const stamps = Object.fromEntries(
      MOVES_MADE[transaction.status].map((move) => [STAMP[move], transaction.updatedAt]),
    );
    return this.conditional(
      () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.payment(transaction.transactionId),
              ...keys.paymentOfOrder(transaction.orderId, transaction.transactionId),
              type: 'PAYMENT',
              transactionId: transaction.transactionId,
              orderId: transaction.orderId,
              amount: transaction.amount,
              createdAt: transaction.createdAt,
              updatedAt: transaction.updatedAt,
              ...stamps,
              appliedKeys,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      () => ({ transaction, appliedKeys }),
    );
  }

  async move(transactionId: string, move: PaymentMove, at: string, key: AppliedKey): Promise<LedgerWrite> {
    return this.conditional(
      () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.payment(transactionId),
            UpdateExpression: 'SET #stamp = :at, updatedAt = :at, appliedKeys.#key = :fingerprint',
            ConditionExpression: `attribute_exists(PK) AND attribute_not_exists(appliedKeys.#key) AND ${statusCondition(PAYMENT_MOVES[move].from)}`,
            ExpressionAttributeNames: { '#stamp': STAMP[move], '#key': key.idempotencyKey },
            ExpressionAttributeValues: { ':at': at, ':fingerprint': key.fingerprint },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      (attributes) => toEntry(attributes ?? {}),
    );
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
      (item) => toEntry(item).transaction,
    );
  }

  /** Sends one conditional write; a refusal answers the item as DynamoDB found it (absent: none). */
  private async conditional(
    send: () => Promise<{ Attributes?: Item }>,
    written: (attributes: Item | undefined) => LedgerEntry,
  ): Promise<LedgerWrite> {
    try {
      const { Attributes } = await send();
      return { written: true, entry: written(Attributes) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The document client does not translate errors: the item comes back in DynamoDB's attribute-value form.
      return { written: false, found: error.Item === undefined ? undefined : toEntry(unmarshall(error.Item)) };
    }
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
