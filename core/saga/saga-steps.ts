/**
 * The saga's step logic over ports; the Lambda handlers in lambdas/saga/ only parse input and wire adapters.
 *
 * Every step is idempotent by itself (beneath Powertools Idempotency): a status change already made is not made
 * again, inventory and payment effects are keyed by the order. Every status change goes through the store's
 * conditional transition with an outbox record in the same transaction, then is published at once (best effort:
 * a failed publish stays PENDING in the outbox for the relay).
 */
import type { Order, Violation } from '../domain/order';
import { multiplyMoney, sumMoney, equalMoney } from '../domain/money';
import type { FailureReason, OrderStatus } from '../domain/order-status';
import { orderEvent } from '../events/order-events';
import type { InventoryPort, ReleaseOutcome, ReserveOutcome } from '../inventory/inventory';
import { OrderTransitionRejectedError } from '../orders/errors';
import { OrderService } from '../orders/order-service';
import type { EventPublisher, LogPort, OrderStore, OutboxRecord } from '../orders/ports';
import { paymentIdempotencyKey } from '../payments/payment-provider';
import type { PaymentProvider } from '../payments/payment-provider';
import { SagaOrderStateError, ValidationFailedError } from './errors';
import { describeCaughtError, failureReasonFor } from './saga-error';
import type { CaughtError } from './saga-error';

export const SAGA_STEPS = ['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ConfirmOrder', 'RefundPayment', 'ReleaseInventory', 'MarkOrderFailed', 'ParkOrder'] as const;
export type SagaStepName = (typeof SAGA_STEPS)[number];

/** Stores the provider's transaction id on the order item. */
export interface OrderPaymentPort {
  recordPaymentTransaction(orderId: string, transactionId: string): Promise<void>;
}

/** Finds the transaction an idempotency key produced (the simulated provider's ledger answers this). */
export interface PaymentLookupPort {
  findIdempotencyRecord(idempotencyKey: string): Promise<{ readonly transactionId: string } | undefined>;
}

export interface SagaDeps {
  readonly orders: OrderStore;
  readonly orderPayments: OrderPaymentPort;
  readonly inventory: InventoryPort;
  readonly payments: PaymentProvider;
  readonly paymentLookup: PaymentLookupPort;
  readonly publisher: EventPublisher;
  readonly log: LogPort;
  readonly newId: () => string;
  readonly now?: () => Date;
}

/** The Task input every state passes. */
export interface SagaStepInput {
  readonly orderId: string;
  readonly step: SagaStepName;
  readonly executionId: string;
  readonly error?: CaughtError;
  readonly compensationError?: CaughtError;
}

export interface StepResult {
  readonly orderId: string;
  readonly step: SagaStepName;
  readonly outcome: string;
  readonly status: OrderStatus;
  readonly transactionId?: string;
}

const FORWARD_ORDER: readonly OrderStatus[] = ['PENDING', 'VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED'];
const reached = (status: OrderStatus, target: OrderStatus): boolean => FORWARD_ORDER.includes(status) && FORWARD_ORDER.indexOf(status) >= FORWARD_ORDER.indexOf(target);
/** Statuses in which a forward step has (possibly) taken effect that must be undone by compensation. */
const COMPENSABLE: readonly OrderStatus[] = ['PENDING', 'VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED'];

/** Checks the stored order against the catalog: known products, positive quantities, line totals and total. */
export const catalogViolations = (order: Order, catalog: ReadonlyMap<string, { readonly price: { amount: number; currency: string } }>): Violation[] => {
  const violations: Violation[] = [];
  if (order.lines.length === 0) violations.push({ path: 'lines', message: 'the order has no lines' });
  if (order.paymentToken.length === 0) violations.push({ path: 'paymentToken', message: 'missing' });
  order.lines.forEach((line, index) => {
    if (!catalog.has(line.productId)) violations.push({ path: `lines.${index}.productId`, message: `unknown product ${line.productId}` });
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) violations.push({ path: `lines.${index}.quantity`, message: `must be a positive integer, got ${line.quantity}` });
    else if (!equalMoney(multiplyMoney(line.unitPrice, line.quantity), line.lineTotal)) violations.push({ path: `lines.${index}.lineTotal`, message: 'does not equal unit price times quantity' });
  });
  if (violations.length === 0) {
    try {
      if (!equalMoney(sumMoney(order.lines.map((line) => line.lineTotal), order.total.currency), order.total)) violations.push({ path: 'total', message: 'does not equal the sum of the lines' });
    } catch (error) {
      violations.push({ path: 'total', message: (error as Error).message });
    }
  }
  return violations;
};

export class SagaSteps {
  private readonly now: () => Date;
  private readonly outbox: OrderService;

  constructor(private readonly deps: SagaDeps) {
    this.now = deps.now ?? (() => new Date());
    this.outbox = new OrderService({ store: deps.orders, publisher: deps.publisher, log: deps.log, newId: deps.newId, now: this.now });
  }

  /** Runs the step the input names. */
  run(input: SagaStepInput): Promise<StepResult> {
    switch (input.step) {
      case 'ValidateOrder':
        return this.validate(input.orderId);
      case 'ReserveInventory':
        return this.reserve(input.orderId);
      case 'ChargePayment':
        return this.charge(input.orderId);
      case 'ConfirmOrder':
        return this.confirm(input.orderId);
      case 'RefundPayment':
        return this.refund(input.orderId, input.error);
      case 'ReleaseInventory':
        return this.release(input.orderId, input.error);
      case 'MarkOrderFailed':
        return this.markFailed(input.orderId, input.error);
      case 'ParkOrder':
        return this.park(input.orderId, input.error, input.compensationError);
    }
  }

  async validate(orderId: string): Promise<StepResult> {
    const step = 'ValidateOrder';
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new ValidationFailedError(orderId, [{ path: 'orderId', message: 'no such order' }]);
    if (reached(order.status, 'VALIDATED')) return this.result(order, step, 'already-done');
    if (order.status !== 'PENDING') throw new SagaOrderStateError(orderId, order.status, step);
    const catalog = await this.deps.orders.getProducts(order.lines.map((line) => line.productId));
    const violations = catalogViolations(order, catalog);
    if (violations.length > 0) throw new ValidationFailedError(orderId, violations);
    return this.result(await this.move(order, 'VALIDATED', step, 'validated against the catalog'), step, 'validated');
  }

  async reserve(orderId: string): Promise<StepResult> {
    const step = 'ReserveInventory';
    const order = await this.require(orderId, step);
    if (reached(order.status, 'INVENTORY_RESERVED')) return this.result(order, step, 'already-done');
    if (order.status !== 'VALIDATED') throw new SagaOrderStateError(orderId, order.status, step);
    const outcome: ReserveOutcome = await this.deps.inventory.reserve(orderId, order.lines);
    const units = order.lines.reduce((sum, line) => sum + line.quantity, 0);
    const moved = await this.move(order, 'INVENTORY_RESERVED', step, `reserved ${units} units of ${new Set(order.lines.map((l) => l.productId)).size} products`);
    return this.result(moved, step, outcome);
  }

  async charge(orderId: string): Promise<StepResult> {
    const step = 'ChargePayment';
    const order = await this.require(orderId, step);
    if (reached(order.status, 'PAYMENT_CAPTURED')) return this.result(order, step, 'already-done');
    if (order.status !== 'INVENTORY_RESERVED') throw new SagaOrderStateError(orderId, order.status, step);
    const held = await this.deps.payments.authorize({ orderId, amount: order.total, paymentToken: order.paymentToken, idempotencyKey: paymentIdempotencyKey(orderId, 'authorize') });
    const captured = await this.deps.payments.capture({ transactionId: held.transactionId, idempotencyKey: paymentIdempotencyKey(orderId, 'capture') });
    await this.deps.orderPayments.recordPaymentTransaction(orderId, captured.transactionId);
    const moved = await this.move(order, 'PAYMENT_CAPTURED', step, `captured ${captured.amount.amount} ${captured.amount.currency} as ${captured.transactionId}`);
    return { ...this.result(moved, step, 'captured'), transactionId: captured.transactionId };
  }

  async confirm(orderId: string): Promise<StepResult> {
    const step = 'ConfirmOrder';
    const order = await this.require(orderId, step);
    if (order.status === 'CONFIRMED') return this.result(order, step, 'already-done');
    if (order.status !== 'PAYMENT_CAPTURED') throw new SagaOrderStateError(orderId, order.status, step);
    return this.result(await this.move(order, 'CONFIRMED', step, 'confirmed'), step, 'confirmed');
  }

  /** Refunds a capture or voids a hold made for the order; a no-op when the order was never authorised. */
  async refund(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'RefundPayment';
    const order = await this.beginCompensation(orderId, error, step);
    const authorization = await this.deps.paymentLookup.findIdempotencyRecord(paymentIdempotencyKey(orderId, 'authorize'));
    if (authorization === undefined) return this.result(order, step, 'nothing-charged');
    const refunded = await this.deps.payments.refund({ transactionId: authorization.transactionId, idempotencyKey: paymentIdempotencyKey(orderId, 'refund') });
    this.deps.log.info('payment returned', { orderId, transactionId: refunded.transactionId, paymentStatus: refunded.status });
    return { ...this.result(order, step, refunded.status === 'VOIDED' ? 'voided' : 'refunded'), transactionId: refunded.transactionId };
  }

  async release(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'ReleaseInventory';
    const order = await this.beginCompensation(orderId, error, step);
    const outcome: ReleaseOutcome = await this.deps.inventory.release(orderId);
    this.deps.log.info('inventory released', { orderId, outcome });
    return this.result(order, step, outcome);
  }

  async markFailed(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'MarkOrderFailed';
    let order = await this.require(orderId, step);
    if (order.status === 'FAILED') return this.result(order, step, 'already-done');
    const reason = failureReasonFor(error?.Error ?? 'Unknown', order.status);
    // After a reservation or a charge the only way to FAILED is through COMPENSATING.
    if (order.status === 'INVENTORY_RESERVED' || order.status === 'PAYMENT_CAPTURED') order = await this.beginCompensation(orderId, error, step);
    if (order.status !== 'PENDING' && order.status !== 'VALIDATED' && order.status !== 'COMPENSATING') throw new SagaOrderStateError(orderId, order.status, step);
    const { name, message } = describeCaughtError(error);
    return this.result(await this.move(order, 'FAILED', step, `${name}: ${message}`, order.failureReason ?? reason), step, 'failed');
  }

  /** A compensation failed after its retries: NEEDS_ATTENTION and order.compensation_failed for an operator. */
  async park(orderId: string, error: CaughtError | undefined, compensationError: CaughtError | undefined): Promise<StepResult> {
    const step = 'ParkOrder';
    let order = await this.require(orderId, step);
    if (order.status === 'NEEDS_ATTENTION') return this.result(order, step, 'already-done');
    if (order.status === 'FAILED') {
      this.deps.log.warn('a compensation reported failure but the order is already FAILED', { orderId, compensationError });
      return this.result(order, step, 'already-failed');
    }
    if (COMPENSABLE.includes(order.status)) order = await this.beginCompensation(orderId, error, step);
    if (order.status !== 'COMPENSATING') throw new SagaOrderStateError(orderId, order.status, step);
    const { name, message } = describeCaughtError(compensationError);
    return this.result(await this.move(order, 'NEEDS_ATTENTION', step, `compensation failed, ${name}: ${message}`, 'COMPENSATION_FAILED'), step, 'parked');
  }

  /** Enters COMPENSATING (once) with the reason derived from the caught error; answers the order as it is now. */
  private async beginCompensation(orderId: string, error: CaughtError | undefined, step: SagaStepName): Promise<Order> {
    const order = await this.require(orderId, step);
    if (order.status === 'COMPENSATING' || order.status === 'FAILED' || order.status === 'NEEDS_ATTENTION') return order;
    if (!COMPENSABLE.includes(order.status)) throw new SagaOrderStateError(orderId, order.status, step);
    const { name, message } = describeCaughtError(error);
    return this.move(order, 'COMPENSATING', step, `compensating after ${name}: ${message}`, failureReasonFor(name, order.status));
  }

  private async require(orderId: string, step: SagaStepName): Promise<Order> {
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new SagaOrderStateError(orderId, 'MISSING', step);
    return order;
  }

  /**
   * One status change: conditional write + outbox record in one transaction, then an immediate publish. A
   * concurrent duplicate that already made the same change is not an error.
   */
  private async move(order: Order, to: OrderStatus, step: SagaStepName, outcome: string, reason?: FailureReason): Promise<Order> {
    if (order.status === to) return order;
    const at = this.now().toISOString();
    const eventId = this.deps.newId();
    let moved: Order;
    try {
      moved = await this.deps.orders.transitionOrder({ orderId: order.orderId, to, at, note: `${step}: ${outcome}`, outboxEventId: eventId, ...(reason === undefined ? {} : { reason }) });
    } catch (error) {
      if (!(error instanceof OrderTransitionRejectedError) || error.from !== to) throw error;
      const current = await this.deps.orders.getOrder(order.orderId);
      if (current === undefined) throw error;
      return current;
    }
    const record: OutboxRecord = { orderId: order.orderId, eventId, event: orderEvent(moved, eventId, at), status: 'PENDING', createdAt: at };
    await this.outbox.publishOutbox([record]);
    this.deps.log.info('order status changed', { orderId: order.orderId, step, from: order.status, to, outcome });
    return moved;
  }

  private result(order: Order, step: SagaStepName, outcome: string): StepResult {
    return { orderId: order.orderId, step, outcome, status: order.status };
  }
}
