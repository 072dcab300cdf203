/** Webhook endpoints a customer registers, and the request that registers one. */
import { z } from 'zod';
import { ORDER_EVENT_TYPES } from '../events/order-events';

export interface WebhookEndpoint {
  readonly webhookId: string;
  readonly customerId: string;
  readonly url: string;
  /** Event names (detail-types) the endpoint receives, e.g. order.confirmed. */
  readonly eventTypes: readonly string[];
  /** The whsec_ signing secret; shown to the customer once, at registration. */
  readonly secret: string;
  readonly createdAt: string;
}

/** What the API shows of an endpoint after registration: never the secret. */
export type WebhookEndpointView = Omit<WebhookEndpoint, 'secret'>;

export const presentEndpoint = (endpoint: WebhookEndpoint): WebhookEndpointView => ({
  webhookId: endpoint.webhookId,
  customerId: endpoint.customerId,
  url: endpoint.url,
  eventTypes: endpoint.eventTypes,
  createdAt: endpoint.createdAt,
});

export const RegisterWebhookRequestSchema = z
  .object({
    url: z.string().min(1).max(2048),
    eventTypes: z
      .array(z.enum(ORDER_EVENT_TYPES))
      .min(1)
      .max(ORDER_EVENT_TYPES.length)
      .refine((types) => new Set(types).size === types.length, 'event types must not repeat'),
  })
  .strict();

export type RegisterWebhookRequest = z.infer<typeof RegisterWebhookRequestSchema>;

/** One attempt to deliver one event to one endpoint, as the delivery log shows it. */
export interface DeliveryAttempt {
  readonly webhookId: string;
  /** The webhook-id header: the same for every attempt of one (event, endpoint). */
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
  /** Absent when no response came (timeout, refused, address rejected). */
  readonly statusCode?: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
  readonly at: string;
}

/** The SQS message on webhook-deliveries: one per (endpoint, event). The secret and URL are read at delivery time. */
export const DeliveryMessageSchema = z
  .object({
    customerId: z.string().min(1),
    webhookId: z.string().min(1),
    deliveryId: z.string().min(1),
    eventId: z.string().min(1),
    eventType: z.string().min(1),
    /** The exact JSON body to sign and send. */
    payload: z.string().min(2),
  })
  .strict();

export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;
