/**
 * The zod schemas that validate requests; the OpenAPI document is generated from these same schemas.
 */
import { z } from 'zod';
import { CURRENCY_PATTERN } from './money';
import { FAILURE_REASONS, ORDER_STATUSES } from './order-status';
import { PRODUCT_ID_PATTERN } from './product';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 100;

export const ProductIdSchema = z.string().regex(PRODUCT_ID_PATTERN, 'letters, digits, - and _, at most 64 characters');

export const MoneySchema = z.object({
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('integer minor units'),
  currency: z.string().regex(CURRENCY_PATTERN, 'an ISO 4217 code'),
});

export const OrderItemSchema = z.strictObject({
  productId: ProductIdSchema,
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
});

/** POST /api/orders. Strict: a client that sends a price (or anything else unknown) is told so. */
export const CreateOrderRequestSchema = z
  .strictObject({
    items: z.array(OrderItemSchema).min(1).max(MAX_ORDER_LINES),
    paymentToken: z.string().min(1).max(200),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.items.forEach((item, index) => {
      if (seen.has(item.productId))
        ctx.addIssue({
          code: 'custom',
          path: ['items', index, 'productId'],
          message: 'each product may appear in one line only',
        });
      seen.add(item.productId);
    });
  });

export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;

/** PUT /api/products/:id (admin). */
export const PutProductRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  price: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('unit price in integer minor units'),
  currency: z.string().regex(CURRENCY_PATTERN, 'an ISO 4217 code'),
  stock: z.number().int().min(0).max(1_000_000_000),
});

export type PutProductRequest = z.infer<typeof PutProductRequestSchema>;

export const OrderStatusSchema = z.enum(ORDER_STATUSES);
export const FailureReasonSchema = z.enum(FAILURE_REASONS);

export const OrderResponseSchema = z.object({
  orderId: z.string(),
  customerId: z.string(),
  status: OrderStatusSchema,
  failureReason: FailureReasonSchema.optional(),
  paymentTransactionId: z
    .string()
    .optional()
    .describe("The payment provider's transaction id, once the payment is authorised"),
  lines: z.array(
    z.object({
      productId: z.string(),
      name: z.string(),
      quantity: z.number().int(),
      unitPrice: MoneySchema,
      lineTotal: MoneySchema,
    }),
  ),
  total: MoneySchema,
  timeline: z
    .array(
      z.object({
        status: OrderStatusSchema.describe(
          "The order's status after this entry (unchanged by RefundPayment and ReleaseInventory while COMPENSATING)",
        ),
        at: z.string().describe('ISO-8601 time the entry was written'),
        step: z
          .string()
          .optional()
          .describe(
            'PlaceOrder, ValidateOrder, ReserveInventory, ChargePayment, ConfirmOrder, RefundPayment, ReleaseInventory, MarkOrderFailed or ParkOrder; the COMPENSATING entry names the forward step that failed',
          ),
        outcome: z
          .string()
          .optional()
          .describe(
            'Machine-readable result of the step: placed, validated, reserved, captured, confirmed; for the failed step invalid, out-of-stock, declined, timed-out or error; refunded, voided, nothing-to-refund, released, nothing-to-release, failed, parked',
          ),
        reason: FailureReasonSchema.optional(),
        note: z.string().optional().describe('Human text: what was done, or the error message'),
      }),
    )
    .describe('Oldest first; one entry per step effect. Entries older than step recording carry no step or outcome'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ProductResponseSchema = z.object({
  productId: z.string(),
  name: z.string(),
  price: MoneySchema,
  stock: z.number().int(),
  updatedAt: z.string(),
});

export const EventRecordSchema = z.object({
  eventId: z.string(),
  source: z.string(),
  detailType: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
  receivedAt: z.string(),
});

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Query of the list endpoints. */
export const PageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).max(2048).optional(),
});

/** zod issues as API violations: `items.0.quantity: Too big`. */
export const toViolations = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
