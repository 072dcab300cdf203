/**
 * Queue `receipts` (rule order-confirmed-to-receipts): order.confirmed -> a PDF receipt (pdf-lib) at
 * receipts/{orderId}.pdf in the receipts bucket, drawn from the order the event carries (no read of the table; an
 * event published before events carried the order is drawn from the table's order, which must be CONFIRMED).
 * Idempotent by itself, so it keeps no idempotency record (issue 18): the receipt is written with
 * `If-None-Match: *`, so a repeat (a redelivery, a replay of the archive) finds it stored and leaves the customer's
 * receipt as it was, at no extra request.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../../core/config/env';
import type { OrderContent } from '../../core/domain/order';
import { orderContentOf } from '../../core/events/order-events';
import { receiptKey, renderReceiptPdf } from '../../core/receipts/receipt-pdf';
import type { OrderRepository } from '../../core/orders/ports';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { captured } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';
import { orderEventProcessor } from './order-event-processor';
import type { OrderEvent, SqsHandler } from './order-event-processor';

export class ReceiptOrderNotConfirmedError extends Error {
  constructor(
    readonly orderId: string,
    readonly status: string | undefined,
  ) {
    super(`order ${orderId} is ${status ?? 'missing'}, not CONFIRMED; no receipt (retried until the table catches up)`);
    this.name = 'ReceiptOrderNotConfirmedError';
  }
}

/** An event that does not carry the order (published before it did): the order as the table holds it, confirmed. */
const confirmedOrder = async (store: Pick<OrderRepository, 'getOrder'>, orderId: string): Promise<OrderContent> => {
  const order = await store.getOrder(orderId);
  if (order === undefined || order.status !== 'CONFIRMED')
    throw new ReceiptOrderNotConfirmedError(orderId, order?.status);
  return order;
};

export interface GenerateReceiptDeps {
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly persistence?: Parameters<typeof orderEventProcessor>[0]['persistence'];
  readonly now?: () => Date;
}

/** S3 client for path-style addressing, which AWS and S3-compatible local servers both serve. */
export const receiptsS3Client = (): S3Client => new S3Client({ forcePathStyle: true });

export const createGenerateReceiptHandler = (deps: GenerateReceiptDeps): SqsHandler => {
  const now = deps.now ?? (() => new Date());
  return orderEventProcessor({
    name: 'generate-receipt',
    persistence: deps.persistence,
    accepts: ['order.confirmed'],
    work: async (event: OrderEvent, log: Logger) => {
      const carried = event.detail.status === 'CONFIRMED' ? orderContentOf(event.detail) : undefined;
      const order = carried ?? (await confirmedOrder(deps.store, event.detail.orderId));
      const pdf = await renderReceiptPdf(order, now().toISOString());
      const key = receiptKey(order.orderId);
      try {
        await deps.s3.send(
          new PutObjectCommand({
            Bucket: deps.bucket,
            Key: key,
            Body: pdf,
            ContentType: 'application/pdf',
            IfNoneMatch: '*',
            Metadata: { orderid: order.orderId, eventid: event.eventId },
          }),
        );
      } catch (error) {
        if (!(error instanceof S3ServiceException) || error.name !== 'PreconditionFailed') throw error;
        log.info('receipt already stored; left as it was', { bucket: deps.bucket, key });
        return { key, alreadyStored: true };
      }
      log.debug('receipt stored', { bucket: deps.bucket, key, bytes: pdf.length });
      return { key, bytes: pdf.length };
    },
  });
};

let configured: SqsHandler | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  if (configured === undefined) {
    const dynamo = captured(new DynamoDBClient({}));
    const tableName = requiredEnv(process.env, 'TABLE_NAME');
    configured = createGenerateReceiptHandler({
      store: createDynamoStores(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ).orders,
      s3: captured(receiptsS3Client()),
      bucket: requiredEnv(process.env, 'RECEIPTS_BUCKET'),
    });
  }
  return configured(event, context);
};
