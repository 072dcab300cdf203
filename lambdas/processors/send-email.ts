/**
 * Queue `email` (rule order-outcome-to-email): order.confirmed and order.failed -> one SES v2 email to the
 * customer, text and HTML from the templates in core/notifications. The address comes from the identity (the
 * Cognito user whose sub is the customer id; USER_POOL_ID), never from the order request. Idempotent per event: a re-delivered message sends no
 * second email.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { requiredEnv } from '../../core/config/env';
import { orderContentOf } from '../../core/events/order-events';
import type { CustomerDirectory } from '../../core/notifications/customer-directory';
import { renderEmail } from '../../core/notifications/templates';
import { formatMoney } from '../../core/receipts/format-money';
import type { OrderRepository } from '../../core/orders/ports';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { DynamoOrderActivityStore, type OrderEmail } from '../../core/store/order-activity-store';
import { captured, effectIdempotencyPersistence } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import type { BatchResponse, SqsEvent } from '../shared/sqs-batch';
import { CognitoCustomerDirectory } from './cognito-customer-directory';
import { orderEventProcessor } from './order-event-processor';
import type { OrderEvent, SqsHandler } from './order-event-processor';

export class EmailOrderMissingError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} is not in the table (yet); the message is retried`);
    this.name = 'EmailOrderMissingError';
  }
}

export interface SendEmailDeps {
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly ses: SESv2Client;
  readonly directory: CustomerDirectory;
  readonly from: string;
  readonly persistence: Parameters<typeof orderEventProcessor>[0]['persistence'];
  /** Where a sent email is recorded under its order for the order page (GET /api/orders/:id/activity). */
  readonly activity?: Pick<DynamoOrderActivityStore, 'recordEmail'>;
  readonly now?: () => Date;
}

export const createSendEmailHandler = (deps: SendEmailDeps): SqsHandler =>
  orderEventProcessor({
    name: 'send-email',
    persistence: deps.persistence,
    accepts: ['order.confirmed', 'order.failed'],
    work: async (event: OrderEvent, log: Logger) => {
      const contact = await deps.directory.contactOf(event.detail.customerId);
      if (contact === undefined) {
        log.warn('no address for the customer; no email sent', { customerId: event.detail.customerId });
        return { sent: false };
      }
      // The event carries the order; one published before it did is completed from the table.
      const carried = orderContentOf(event.detail);
      const stored = carried === undefined ? await deps.store.getOrder(event.detail.orderId) : undefined;
      const order = carried ?? stored;
      if (order === undefined) throw new EmailOrderMissingError(event.detail.orderId);
      const email =
        event.type === 'order.confirmed'
          ? renderEmail('order-confirmed', {
              customerName: contact.name,
              orderId: order.orderId,
              total: formatMoney(order.total),
              lines: order.lines.map((line) => ({
                name: line.name,
                quantity: line.quantity,
                lineTotal: formatMoney(line.lineTotal),
              })),
            })
          : renderEmail('order-failed', {
              customerName: contact.name,
              orderId: order.orderId,
              reason: event.detail.failureReason ?? stored?.failureReason ?? 'UNKNOWN',
            });
      const response = await deps.ses.send(
        new SendEmailCommand({
          FromEmailAddress: deps.from,
          Destination: { ToAddresses: [contact.email] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
            },
          },
          EmailTags: [
            { Name: 'orderId', Value: order.orderId },
            { Name: 'eventType', Value: event.type.replace('.', '_') },
          ],
        }),
      );
      // What the order page lists; recorded by afterWork, once the idempotency record says COMPLETED.
      const sent: OrderEmail = {
        to: contact.email,
        subject: email.subject,
        kind: event.type,
        sentAt: (deps.now?.() ?? new Date()).toISOString(),
        messageId: response.MessageId ?? '',
      };
      return { sent: true, messageId: response.MessageId, email: sent };
    },
    // The email is out and its record COMPLETED before the order page hears of it: a crash between the two costs
    // only this record, which the redelivery writes from the kept result, never a second email (decision 60).
    afterWork: async (event, result) => {
      const email = sentEmailOf(result);
      if (deps.activity !== undefined && email !== undefined)
        await deps.activity.recordEmail(event.detail.orderId, event.eventId, email);
    },
  });

/** The email a result of `work` says was sent; undefined for none, or a result kept before it carried the email. */
const SentEmailSchema = z.object({
  sent: z.literal(true),
  email: z.object({ to: z.string(), subject: z.string(), kind: z.string(), sentAt: z.string(), messageId: z.string() }),
});
const sentEmailOf = (result: Record<string, unknown>): OrderEmail | undefined => {
  const parsed = SentEmailSchema.safeParse(result);
  return parsed.success ? parsed.data.email : undefined;
};

let configured: SqsHandler | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  if (configured === undefined) {
    const dynamo = captured(new DynamoDBClient({}));
    const tableName = requiredEnv(process.env, 'TABLE_NAME');
    configured = createSendEmailHandler({
      store: createDynamoStores(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ).orders,
      activity: new DynamoOrderActivityStore(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName,
      ),
      ses: captured(new SESv2Client({})),
      directory: new CognitoCustomerDirectory(
        captured(new CognitoIdentityProviderClient({})),
        requiredEnv(process.env, 'USER_POOL_ID'),
      ),
      from: requiredEnv(process.env, 'EMAIL_FROM'),
      persistence: effectIdempotencyPersistence(dynamo, tableName),
    });
  }
  return configured(event, context);
};
