/**
 * The webhook-deliveries queue as the API sees it: where an owner's resend goes (POST
 * /api/webhooks/:id/deliveries/:deliveryId/resend). The queue is found by its physical name, as the DLQ routes find
 * theirs, so the API needs no URL in its environment; the URL is looked up once per process.
 */
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { physicalName } from '../platform/resources';
import type { DeliveryMessage } from '../webhooks/registration';

export class SqsDeliveryQueue {
  private url?: Promise<string>;

  constructor(
    private readonly sqs: SQSClient,
    /** The stage prefix of physical names (`local`, `orders-dev`). */
    private readonly resourcePrefix: string,
  ) {}

  async queue(message: DeliveryMessage): Promise<void> {
    this.url ??= this.sqs
      .send(new GetQueueUrlCommand({ QueueName: physicalName(this.resourcePrefix, 'webhook-deliveries') }))
      .then((response) => response.QueueUrl ?? '');
    // A failed lookup is not kept: the next resend looks again.
    const url = await this.url.catch((error: unknown) => {
      this.url = undefined;
      throw error;
    });
    await this.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
  }
}
