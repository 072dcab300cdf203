/**
 * The API contract the dashboard codes against (issue 2 and issue 9).
 * When the API runs, `npm run ui:api-types` regenerates api-schema.d.ts from its /openapi.json;
 * these hand-written shapes are the contract until then and the names the components use.
 */

export const ORDER_STATUSES = [
  'PENDING',
  'VALIDATED',
  'INVENTORY_RESERVED',
  'PAYMENT_CAPTURED',
  'CONFIRMED',
  'COMPENSATING',
  'FAILED',
  'NEEDS_ATTENTION',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'];

export const PAYMENT_TOKENS = ['tok_visa', 'tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds'] as const;
export type PaymentToken = (typeof PAYMENT_TOKENS)[number];

export interface Product {
  productId: string;
  name: string;
  /** Integer minor units (cents). */
  price: number;
  currency: string;
  stock: number;
}

export interface ProductInput {
  name: string;
  price: number;
  currency: string;
  stock: number;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface OrderLine {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface Money {
  amount: number;
  currency: string;
}

export interface TimelineEntry {
  step: string;
  outcome: string;
  at: string;
  detail?: unknown;
}

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  failureReason?: string;
  timeline: TimelineEntry[];
  createdAt: string;
  updatedAt: string;
}

export interface NewOrder {
  items: { productId: string; quantity: number }[];
  paymentToken: string;
}

export interface BusEvent {
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: unknown;
}

export interface Receipt {
  url: string;
  expiresAt: string;
}

export interface WebhookInput {
  url: string;
  eventTypes: string[];
}

export interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  createdAt?: string;
}

export interface WebhookCreated {
  id: string;
  secret: string;
}

export interface WebhookDelivery {
  id?: string;
  eventType?: string;
  orderId?: string;
  status?: number | string;
  attempt?: number;
  at?: string;
  [key: string]: unknown;
}

export interface DeadLetterQueue {
  name: string;
  depth?: number;
  sourceQueue?: string;
  [key: string]: unknown;
}

export interface TraceSegment {
  id?: string;
  name: string;
  startTime: number;
  endTime: number;
  parentId?: string;
  error?: boolean;
}

export interface Trace {
  traceId?: string;
  segments: TraceSegment[];
}

export interface FaultInput {
  function: string;
  failNext?: number;
  probability?: number;
  latencyMs?: number;
}

export interface LocalQueue {
  name: string;
  depth?: number;
  visible?: number;
  inFlight?: number;
  [key: string]: unknown;
}

export interface LocalFunction {
  name: string;
  fault?: Omit<FaultInput, 'function'> | null;
  [key: string]: unknown;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface AuthConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  cognitoEndpoint: string;
}
