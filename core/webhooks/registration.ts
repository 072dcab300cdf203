/** Webhook endpoints a customer registers, the request that registers one, and the record of each delivery. */
import { z } from 'zod';
import { ORDER_EVENT_TYPES } from '../events/order-events';
import type { EndpointHealth } from './endpoint-health';

export interface WebhookEndpoint {
  readonly webhookId: string;
  readonly customerId: string;
  readonly url: string;
  /** Event names (detail-types) the endpoint receives, e.g. order.confirmed. */
  readonly eventTypes: readonly string[];
  /** The whsec_ signing secret; shown to the customer once, at registration. */
  readonly secret: string;
  readonly createdAt: string;
  /** Its circuit breaker, last failure and disabled state (core/webhooks/endpoint-health.ts); HEALTHY when absent. */
  readonly health?: EndpointHealth;
}

/** What the API shows of an endpoint after registration: never the secret. */
export type WebhookEndpointView = Omit<WebhookEndpoint, 'secret' | 'health'>;

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

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** Why a delivery is `failed`: the owner can resend it in every case. */
export type DeliveryFailureReason =
  /** Every attempt of the retry schedule failed (the message is in webhook-deliveries-dlq too). */
  | 'schedule-exhausted'
  /** Paused past the policy's maximum age (the message is in webhook-deliveries-dlq too). */
  | 'too-old'
  /** The endpoint answered 410 Gone to this delivery and was disabled. */
  | 'endpoint-gone'
  /** The endpoint was disabled when the delivery came; it was not attempted. */
  | 'endpoint-disabled';

/** One attempt of a delivery, as its record keeps it (the current pass only, at most one per schedule stage). */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: string;
  /** Absent when no response came (timeout, refused, address rejected). */
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * One delivery of one event to one endpoint (`webhook-id` = deliveryId): what the owner lists and resends, and
 * what deliver-webhook reads before each attempt (a delivered one is never sent again, a paused one waits).
 */
export interface DeliveryRecord {
  readonly webhookId: string;
  readonly customerId: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The exact body sent, kept so the owner can resend it. */
  readonly payload: string;
  /** Each resend starts a new round; a message of an older round is dropped. */
  readonly round: number;
  readonly status: DeliveryStatus;
  /** Attempts over the delivery's whole life (every round and pass). */
  readonly attempts: number;
  /** Failed attempts of the current pass: the position in the retry schedule. */
  readonly failedAttempts: number;
  readonly passStartedAt: string;
  readonly lastAttemptAt?: string;
  readonly lastStatusCode?: number;
  readonly lastError?: string;
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  readonly failureReason?: DeliveryFailureReason;
  readonly attemptLog: readonly DeliveryAttempt[];
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
    /** 0 (absent) from the fan-out; each resend by the owner queues the next round (core/webhooks/README.md). */
    round: z.number().int().min(0).optional(),
  })
  .strict();

export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;
