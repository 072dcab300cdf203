/**
 * The saga's step logic over ports; the Lambda handlers in lambdas/saga/ only parse input and wire adapters.
 *
 * Every step is idempotent by itself: a status change already made is not made again (the store's conditional
 * write), inventory and payment effects are keyed by the order. Powertools Idempotency sits on top only where a step
 * calls the payment provider (lambdas/shared/saga-step.ts). Every status change goes through the store's conditional
 * transition, one UpdateItem, except ReserveInventory's, which the inventory port makes in the reservation's own
 * transaction (the order is INVENTORY_RESERVED exactly when its stock is held). The changes consumers act on
 * (order.confirmed, order.failed, the compensation ones) are then published under an id stable per (order, status),
 * with an outbox record for the relay only when the bus refuses them; a step that finds its change already made
 * announces it again (an earlier attempt may have died between the write and the publish). The intermediate ones
 * (VALIDATED, INVENTORY_RESERVED, PAYMENT_CAPTURED) are published straight to the bus, best effort: only webhook
 * subscribers receive them, and the order's timeline holds them for everyone else (docs/decisions.md). Whether the
 * customer has such a subscriber is read once per saga, by ValidateOrder, and passed on with the order
 * (`OrderSnapshot.progressSubscriptions`, decision 64).
 *
 * The forward steps pass the order on (`OrderSnapshot`, through the state machine's ResultPath) instead of re-reading
 * it: the snapshot is a hint, the conditional write is the truth, and a stale hint costs its step one read.
 *
 * The timeline gets one entry per effect, with the step and a machine-readable outcome: a status change writes its
 * entry in the same conditional update (so it is written once); an effect that moves no status (RefundPayment,
 * ReleaseInventory while COMPENSATING, the failed step of an order that fails without compensating) is appended
 * with a per-order step key, so a retried or re-delivered step appends nothing the second time.
 */
import type { Order, TimelineEntry, Violation } from '../domain/order';
import { multiplyMoney, sumMoney, equalMoney } from '../domain/money';
import type { OrderStatus } from '../domain/order-status';
import { eventTypeForStatus, INTERMEDIATE_ORDER_EVENTS, orderEvent, orderStatusEventId } from '../events/order-events';
import type { PlatformEvent } from '../events/order-events';
import type { InventoryPort, ReleaseOutcome, ReserveOutcome, StockLine } from '../inventory/inventory';
import { OrderNotFoundError, OrderTransitionRejectedError } from '../orders/errors';
import { OrderService, orderStatusRecord } from '../orders/order-service';
import type { EventPublisher, LogPort, OrderOutbox, OrderRepository, TransitionRequest } from '../orders/ports';
import type { ProductPrices } from '../products/ports';
import { PaymentDeclinedError, paymentIdempotencyKey } from '../payments/payment-provider';
import type { PaymentProvider } from '../payments/payment-provider';
import { PaymentFencedError } from '../payments/payment-fence';
import type { PaymentFence } from '../payments/payment-fence';
import { SagaCompensationPendingError, SagaOrderStateError, ValidationFailedError } from './errors';
import { describeCaughtError, failedForwardStep, failedStepOutcome, failureReasonFor } from './saga-error';
import type { CaughtError } from './saga-error';

export const SAGA_STEPS = [
  'ValidateOrder',
  'ReserveInventory',
  'ChargePayment',
  'ConfirmOrder',
  'RefundPayment',
  'ReleaseInventory',
  'MarkOrderFailed',
  'ParkOrder',
] as const;
export type SagaStepName = (typeof SAGA_STEPS)[number];

/** Stores the provider's transaction id on the order item (the saga now sets it with PAYMENT_CAPTURED itself). */
export interface OrderPaymentPort {
  recordPaymentTransaction(orderId: string, transactionId: string): Promise<void>;
}

export interface SagaDeps {
  readonly orders: OrderRepository;
  readonly products: ProductPrices;
  readonly outbox: OrderOutbox;
  readonly inventory: InventoryPort;
  readonly payments: PaymentProvider;
  /** Orders a charge and a refund of the same order, however late either arrives (core/payments/payment-fence.ts). */
  readonly paymentFence: PaymentFence;
  readonly publisher: EventPublisher;
  /**
   * Whether a customer has a webhook endpoint subscribed to a progress event type. A progress event (order.validated,
   * order.inventory_reserved, order.payment_captured) has no other consumer, so it is published only when one wants
   * it (docs/decisions.md, entry 48). Absent: every progress event is published.
   */
  readonly progressSubscribers?: ProgressSubscribers;
  readonly log: LogPort;
  readonly newId: () => string;
  readonly now?: () => Date;
}

/** The port SagaDeps.progressSubscribers answers through (the webhook registrations, core/store/webhook-store.ts). */
export interface ProgressSubscribers {
  hasSubscriber(customerId: string, eventType: string): Promise<boolean>;
  /** Every event type the customer's endpoints subscribe to, read now (one Query of the registrations). */
  subscribedTypes(customerId: string): Promise<ReadonlySet<string>>;
}

/**
 * The order as a forward step left it, passed to the next step by the state machine: the facts that never change after
 * creation plus the status and reason. No timeline and no payment token, so the state stays small (Step Functions
 * allows 256 KB) and the execution history holds nothing a customer would not want there.
 */
export interface OrderSnapshot {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly failureReason?: Order['failureReason'];
  readonly total: Order['total'];
  readonly lines: readonly StockLine[];
  readonly createdAt: string;
  /**
   * The progress event types (INTERMEDIATE_ORDER_EVENTS) the customer's webhook endpoints subscribed to when
   * ValidateOrder read the registrations: the later forward steps decide from it instead of reading them again.
   * Absent when that read failed, or in the state of an execution started before this field existed: each step then
   * reads them itself.
   */
  readonly progressSubscriptions?: readonly string[];
}

export const snapshotOf = (
  order: Order | OrderSnapshot,
  progressSubscriptions: readonly string[] | undefined = 'progressSubscriptions' in order
    ? order.progressSubscriptions
    : undefined,
): OrderSnapshot => ({
  orderId: order.orderId,
  customerId: order.customerId,
  status: order.status,
  ...(order.failureReason === undefined ? {} : { failureReason: order.failureReason }),
  total: order.total,
  lines: order.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
  createdAt: order.createdAt,
  ...(progressSubscriptions === undefined ? {} : { progressSubscriptions }),
});

/** The Task input every state passes. */
export interface SagaStepInput {
  readonly orderId: string;
  readonly step: SagaStepName;
  readonly executionId: string;
  /** The order as the previous forward step left it (ReserveInventory, ChargePayment, ConfirmOrder). */
  readonly order?: OrderSnapshot;
  readonly error?: CaughtError;
  readonly compensationError?: CaughtError;
  /** ParkOrder: the compensation state that failed (set by the ASL's `<State>NotDone` Pass states). */
  readonly failedState?: SagaStepName;
}

export interface StepResult {
  readonly orderId: string;
  readonly step: SagaStepName;
  readonly outcome: string;
  readonly status: OrderStatus;
  readonly transactionId?: string;
  /** The order after the step, for the next one (the ASL's ResultPath). */
  readonly order: OrderSnapshot;
}

const FORWARD_ORDER: readonly OrderStatus[] = [
  'PENDING',
  'VALIDATED',
  'INVENTORY_RESERVED',
  'PAYMENT_CAPTURED',
  'CONFIRMED',
];
const reached = (status: OrderStatus, target: OrderStatus): boolean =>
  FORWARD_ORDER.includes(status) && FORWARD_ORDER.indexOf(status) >= FORWARD_ORDER.indexOf(target);
/**
 * A status change whose event only webhook subscribers may want (INTERMEDIATE_ORDER_EVENTS: no rule but the webhooks'
 * matches it) is published straight to the bus, without an outbox record or its mark-sent write.
 */
const publishedDirectly = (status: OrderStatus): boolean =>
  (INTERMEDIATE_ORDER_EVENTS as readonly string[]).includes(eventTypeForStatus(status));
/** An order as read from the table, not the snapshot a step was handed. */
const isReadOrder = (order: Order | OrderSnapshot): order is Order => 'timeline' in order && 'paymentToken' in order;
/** The end of the note of the COMPENSATING entry: which compensation step began it. */
const beginsCompensation = (step: SagaStepName): string => `${step} begins compensation`;
/** Statuses in which a forward step has (possibly) taken effect that must be undone by compensation. */
const COMPENSABLE: readonly OrderStatus[] = ['PENDING', 'VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED'];

/** What a status change carries besides its timeline entry. */
interface MoveOptions {
  /** Stored on the order with PAYMENT_CAPTURED. */
  readonly paymentTransactionId?: string;
  /**
   * The progress subscriptions the step already knows (OrderSnapshot.progressSubscriptions) or its pending read;
   * `unreadable`: the read failed, so the event is published without asking again.
   */
  readonly progress?: Promise<ProgressRead>;
  /**
   * Makes the status change instead of `orders.transitionOrder`, with the same contract (OrderTransitionRejectedError
   * naming the status found), together with another effect (ReserveInventory: the reservation, one transaction).
   * Answers the order as written, or undefined when the write answers no item (a transaction).
   */
  readonly write?: (request: TransitionRequest) => Promise<Order | undefined>;
}

/** The progress types subscribed, `unreadable` when the registrations could not be read, undefined when not known. */
type ProgressRead = readonly string[] | 'unreadable' | undefined;

/**
 * The progress subscriptions the previous forward step passed on for this order, if any: only the progress types (the
 * state is data from an earlier deployment too, so an unknown value is dropped rather than trusted or refused).
 */
const knownSubscriptions = (orderId: string, known: OrderSnapshot | undefined): readonly string[] | undefined =>
  known?.orderId === orderId && known.progressSubscriptions !== undefined
    ? known.progressSubscriptions.filter((type) => (INTERMEDIATE_ORDER_EVENTS as readonly string[]).includes(type))
    : undefined;

/** What a read answered, as the snapshot carries it: a failed read is not passed on (the next steps ask again). */
const passedOn = (read: ProgressRead): readonly string[] | undefined => (read === 'unreadable' ? undefined : read);

/** What a step writes on the timeline besides the status and the time. */
type StepEntry = Required<Pick<TimelineEntry, 'step' | 'outcome' | 'note'>> & Pick<TimelineEntry, 'reason'>;

/** Checks the stored order against the catalog: known products, positive quantities, line totals and total. */
export const catalogViolations = (
  order: Order,
  catalog: ReadonlyMap<string, { readonly price: { amount: number; currency: string } }>,
): Violation[] => {
  const violations: Violation[] = [];
  if (order.lines.length === 0) violations.push({ path: 'lines', message: 'the order has no lines' });
  if (order.paymentToken.length === 0) violations.push({ path: 'paymentToken', message: 'missing' });
  order.lines.forEach((line, index) => {
    if (!catalog.has(line.productId))
      violations.push({ path: `lines.${index}.productId`, message: `unknown product ${line.productId}` });
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0)
      violations.push({ path: `lines.${index}.quantity`, message: `must be a positive integer, got ${line.quantity}` });
    else if (!equalMoney(multiplyMoney(line.unitPrice, line.quantity), line.lineTotal))
      violations.push({ path: `lines.${index}.lineTotal`, message: 'does not equal unit price times quantity' });
  });
  if (violations.length === 0) {
    try {
      if (
        !equalMoney(
          sumMoney(
            order.lines.map((line) => line.lineTotal),
            order.total.currency,
          ),
          order.total,
        )
      )
        violations.push({ path: 'total', message: 'does not equal the sum of the lines' });
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
    this.outbox = new OrderService({
      orders: deps.orders,
      products: deps.products,
      outbox: deps.outbox,
      publisher: deps.publisher,
      log: deps.log,
      newId: deps.newId,
      now: this.now,
    });
  }

  /** Runs the step the input names. */
  run(input: SagaStepInput): Promise<StepResult> {
    switch (input.step) {
      case 'ValidateOrder':
        return this.validate(input.orderId);
      case 'ReserveInventory':
        return this.reserve(input.orderId, input.order);
      case 'ChargePayment':
        return this.charge(input.orderId, input.order);
      case 'ConfirmOrder':
        return this.confirm(input.orderId, input.order);
      case 'RefundPayment':
        return this.refund(input.orderId, input.error);
      case 'ReleaseInventory':
        return this.release(input.orderId, input.error);
      case 'MarkOrderFailed':
        return this.markFailed(input.orderId, input.error);
      case 'ParkOrder':
        return this.park(input.orderId, input.error, input.compensationError, input.failedState);
    }
  }

  async validate(orderId: string): Promise<StepResult> {
    const step = 'ValidateOrder';
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new ValidationFailedError(orderId, [{ path: 'orderId', message: 'no such order' }]);
    // A repeat (a lost result, a resumed saga) passes the subscriptions on too: the later steps then need no read.
    if (reached(order.status, 'VALIDATED'))
      return this.result(order, step, 'already-done', passedOn(await this.progressSubscriptions(order.customerId)));
    if (order.status === 'COMPENSATING' || order.status === 'NEEDS_ATTENTION')
      throw new SagaCompensationPendingError(orderId, order.status);
    if (order.status !== 'PENDING') throw new SagaOrderStateError(orderId, order.status, step);
    // Read beside the catalog; the answer rides with the order to the later forward steps (OrderSnapshot).
    const progress = this.progressSubscriptions(order.customerId);
    const catalog = await this.deps.products.getProducts(order.lines.map((line) => line.productId));
    const violations = catalogViolations(order, catalog);
    if (violations.length > 0) throw new ValidationFailedError(orderId, violations);
    const moved = await this.move(
      order,
      'VALIDATED',
      step,
      { step, outcome: 'validated', note: 'validated against the catalog' },
      { progress },
    );
    return this.result(moved, step, 'validated', passedOn(await progress));
  }

  /** `known`: the order as ValidateOrder left it; read only when absent or not VALIDATED. */
  async reserve(orderId: string, known?: OrderSnapshot): Promise<StepResult> {
    const step = 'ReserveInventory';
    const subscriptions = knownSubscriptions(orderId, known);
    const order =
      known?.orderId === orderId && known.status === 'VALIDATED' ? known : await this.require(orderId, step);
    if (reached(order.status, 'INVENTORY_RESERVED')) return this.result(order, step, 'already-done', subscriptions);
    if (order.status !== 'VALIDATED') throw new SagaOrderStateError(orderId, order.status, step);
    const units = order.lines.reduce((sum, line) => sum + line.quantity, 0);
    // Set by the reserve itself: a status change found made without a reservation on the order item (an order reserved
    // under the old layout) reserved nothing here, and is answered as already done.
    let outcome: ReserveOutcome | undefined;
    let moved: Order | OrderSnapshot;
    try {
      moved = await this.move(
        order,
        'INVENTORY_RESERVED',
        step,
        {
          step,
          outcome: 'reserved',
          note: `reserved ${units} units of ${new Set(order.lines.map((l) => l.productId)).size} products`,
        },
        {
          progress: Promise.resolve(subscriptions),
          // The reservation and the status change in one transaction: one write, and never one without the other.
          write: async (request) => {
            outcome = await this.deps.inventory.reserve(orderId, order.lines, request);
            if (outcome === 'reserved') return undefined;
            // An earlier attempt (or a concurrent copy) reserved, and its transaction moved the status; this one wrote
            // nothing. The conditional status change then answers the order as it is (or makes the change, for an
            // order whose reservation was taken without it).
            return this.deps.orders.transitionOrder(request);
          },
        },
      );
    } catch (error) {
      // The snapshot was stale: the order had moved on. Answered as for the order read (above), nothing taken twice.
      if (error instanceof OrderNotFoundError) throw new SagaOrderStateError(orderId, 'MISSING', step);
      if (!(error instanceof OrderTransitionRejectedError)) throw error;
      if (!reached(error.from, 'INVENTORY_RESERVED')) throw new SagaOrderStateError(orderId, error.from, step);
      return this.result(await this.require(orderId, step), step, 'already-done', subscriptions);
    }
    return this.result(moved, step, outcome ?? 'already-done', subscriptions);
  }

  /**
   * Always reads the order (the payment token is never in the state); `known`, the order as ReserveInventory left it,
   * only brings the progress subscriptions.
   */
  async charge(orderId: string, known?: OrderSnapshot): Promise<StepResult> {
    const step = 'ChargePayment';
    const subscriptions = knownSubscriptions(orderId, known);
    const order = await this.require(orderId, step);
    if (reached(order.status, 'PAYMENT_CAPTURED')) return this.result(order, step, 'already-done', subscriptions);
    if (order.status !== 'INVENTORY_RESERVED') throw new SagaOrderStateError(orderId, order.status, step);
    // The fence first: a charge that arrives after compensation began must not capture (issue 20, bug 1).
    if ((await this.deps.paymentFence.beginCharge(orderId, this.now().toISOString())) === 'fenced')
      throw new PaymentFencedError(orderId);
    const held = await this.deps.payments.authorize({
      orderId,
      amount: order.total,
      paymentToken: order.paymentToken,
      idempotencyKey: paymentIdempotencyKey(orderId, 'authorize'),
    });
    if (
      (await this.deps.paymentFence.recordAuthorization(orderId, held.transactionId, this.now().toISOString())) ===
      'fenced'
    ) {
      // The refund came first and found nothing to refund: this hold is ours to void, under the refund's key.
      const voided = await this.deps.payments.refund({
        transactionId: held.transactionId,
        idempotencyKey: paymentIdempotencyKey(orderId, 'refund'),
      });
      this.deps.log.warn('a late charge met the payment fence and voided its authorisation', {
        orderId,
        transactionId: voided.transactionId,
        paymentStatus: voided.status,
      });
      throw new PaymentFencedError(orderId, voided.transactionId);
    }
    const captured = await this.deps.payments.capture({
      transactionId: held.transactionId,
      idempotencyKey: paymentIdempotencyKey(orderId, 'capture'),
    });
    // The transaction id is stored by the status change itself: one write, not two.
    const moved = await this.move(
      order,
      'PAYMENT_CAPTURED',
      step,
      {
        step,
        outcome: 'captured',
        note: `captured ${captured.amount.amount} ${captured.amount.currency} as ${captured.transactionId}`,
      },
      { paymentTransactionId: captured.transactionId, progress: Promise.resolve(subscriptions) },
    );
    return { ...this.result(moved, step, 'captured', subscriptions), transactionId: captured.transactionId };
  }

  /** `known`: the order as ChargePayment left it; read only when absent or not PAYMENT_CAPTURED. */
  async confirm(orderId: string, known?: OrderSnapshot): Promise<StepResult> {
    const step = 'ConfirmOrder';
    const order =
      known?.orderId === orderId && known.status === 'PAYMENT_CAPTURED' ? known : await this.require(orderId, step);
    // Only a read order can be CONFIRMED here (the hint is used only while PAYMENT_CAPTURED).
    if (order.status === 'CONFIRMED' && isReadOrder(order)) return this.alreadyAnnounced(order, step);
    if (order.status !== 'PAYMENT_CAPTURED') throw new SagaOrderStateError(orderId, order.status, step);
    return this.result(
      await this.move(order, 'CONFIRMED', step, { step, outcome: 'confirmed', note: 'confirmed' }),
      step,
      'confirmed',
    );
  }

  /** Refunds a capture or voids a hold made for the order; a no-op when the order was never authorised. */
  async refund(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'RefundPayment';
    const order = await this.beginCompensation(orderId, error, step);
    // The tombstone, whether or not a charge got anywhere: a charge still in flight will void instead of capture.
    const fence = await this.deps.paymentFence.requestRefund(orderId, this.now().toISOString());
    const transactionId = fence.transactionId ?? (fence.chargeBegan ? await this.holdOfCharge(order) : undefined);
    if (transactionId === undefined) {
      await this.record(
        order,
        {
          step,
          outcome: 'nothing-to-refund',
          note: 'no payment was authorised for the order; a late charge is fenced off',
        },
        step,
      );
      return this.result(order, step, 'nothing-to-refund');
    }
    const refunded = await this.deps.payments.refund({
      transactionId,
      idempotencyKey: paymentIdempotencyKey(orderId, 'refund'),
    });
    this.deps.log.info('payment returned', {
      orderId,
      transactionId: refunded.transactionId,
      paymentStatus: refunded.status,
    });
    const outcome = refunded.status === 'VOIDED' ? 'voided' : 'refunded';
    const what = outcome === 'voided' ? 'voided the hold of' : 'refunded';
    await this.record(
      order,
      {
        step,
        outcome,
        note: `${what} ${refunded.amount.amount} ${refunded.amount.currency} (${refunded.transactionId})`,
      },
      step,
    );
    return { ...this.result(order, step, outcome), transactionId: refunded.transactionId };
  }

  /**
   * The authorisation a charge may have made without recording it: the charge's own authorise, asked again under its
   * idempotency key, answers the hold it made (the provider cannot be asked "what did this key produce?" otherwise).
   * When the charge never reached the provider this places the hold now, and the refund voids it at once; a declined
   * card holds nothing. Only after a charge began and recorded nothing (the table failed under it, or it died).
   */
  private async holdOfCharge(order: Order): Promise<string | undefined> {
    try {
      const held = await this.deps.payments.authorize({
        orderId: order.orderId,
        amount: order.total,
        paymentToken: order.paymentToken,
        idempotencyKey: paymentIdempotencyKey(order.orderId, 'authorize'),
      });
      this.deps.log.warn('a charge left an authorisation it had not recorded; it is returned', {
        orderId: order.orderId,
        transactionId: held.transactionId,
      });
      return held.transactionId;
    } catch (error) {
      if (error instanceof PaymentDeclinedError) return undefined;
      throw error;
    }
  }

  async release(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'ReleaseInventory';
    const order = await this.beginCompensation(orderId, error, step);
    const outcome: ReleaseOutcome = await this.deps.inventory.release(orderId);
    this.deps.log.info('inventory released', { orderId, outcome });
    // 'already-released' means an earlier attempt of this step returned the stock and stopped before recording it.
    const entry: StepEntry =
      outcome === 'nothing-reserved'
        ? { step, outcome: 'nothing-to-release', note: 'no stock was reserved for the order' }
        : {
            step,
            outcome: 'released',
            note:
              outcome === 'released'
                ? 'returned the reserved stock'
                : 'the reserved stock was returned by an earlier attempt',
          };
    await this.record(order, entry, step);
    return this.result(order, step, outcome);
  }

  async markFailed(orderId: string, error: CaughtError | undefined): Promise<StepResult> {
    const step = 'MarkOrderFailed';
    const order = await this.require(orderId, step);
    if (order.status === 'FAILED') return this.alreadyAnnounced(order, step);
    const reason = failureReasonFor(error?.Error ?? 'Unknown', order.status);
    // A reservation or a charge to undo is not this step's to undo: going to FAILED here would keep the stock and the
    // money. The ASL sends no such order here (ValidateOrder's catch-all goes to the compensations, which come back
    // with the order COMPENSATING); should one come, it is refused without retries and parked for an operator.
    if (order.status === 'INVENTORY_RESERVED' || order.status === 'PAYMENT_CAPTURED')
      throw new SagaCompensationPendingError(orderId, order.status);
    if (order.status === 'COMPENSATING') await this.announceCompensationBegunBy(order, step);
    // NEEDS_ATTENTION: an operator's retry (POST /api/admin/orders/:id/retry) ran the compensations again and they held.
    if (
      order.status !== 'PENDING' &&
      order.status !== 'VALIDATED' &&
      order.status !== 'COMPENSATING' &&
      order.status !== 'NEEDS_ATTENTION'
    )
      throw new SagaOrderStateError(orderId, order.status, step);
    const { name, message } = describeCaughtError(error);
    // Nothing to undo (ValidateOrder failed, or ReserveInventory found no stock): no COMPENSATING entry names the
    // failed step, so it gets its own entry, in the status the order still has.
    const failed = failedForwardStep(order.status);
    if (failed !== undefined)
      await this.record(
        order,
        { step: failed, outcome: failedStepOutcome(name), note: message, reason },
        `${failed}:failed`,
      );
    return this.result(
      await this.move(order, 'FAILED', step, {
        step,
        outcome: 'failed',
        note: `${name}: ${message}`,
        reason: order.failureReason ?? reason,
      }),
      step,
      'failed',
    );
  }

  /** A compensation failed after its retries: NEEDS_ATTENTION and order.compensation_failed for an operator. */
  async park(
    orderId: string,
    error: CaughtError | undefined,
    compensationError: CaughtError | undefined,
    failedState?: SagaStepName,
  ): Promise<StepResult> {
    const step = 'ParkOrder';
    let order = await this.require(orderId, step);
    if (order.status === 'NEEDS_ATTENTION') return this.alreadyAnnounced(order, step);
    if (order.status === 'FAILED') {
      this.deps.log.warn('a compensation reported failure but the order is already FAILED', {
        orderId,
        compensationError,
      });
      // MarkOrderFailed may have run out of retries between its write and its publish.
      await this.announce(order);
      return this.result(order, step, 'already-failed');
    }
    if (COMPENSABLE.includes(order.status)) order = await this.beginCompensation(orderId, error, step);
    else if (order.status === 'COMPENSATING') await this.announceCompensationBegunBy(order, step);
    if (order.status !== 'COMPENSATING') {
      await this.announceEnded(order, step);
      throw new SagaOrderStateError(orderId, order.status, step);
    }
    const { name, message } = describeCaughtError(compensationError);
    // What the operator needs: the state that failed, its error, and what the compensations already undid.
    const done = (compensation: SagaStepName): string | undefined =>
      order.timeline.findLast((entry) => entry.step === compensation)?.outcome;
    const undone = `payment ${done('RefundPayment') ?? 'not refunded'}, stock ${done('ReleaseInventory') ?? 'not released'}`;
    const note = `compensation failed in ${failedState ?? 'a compensation'}, ${name}: ${message}; already undone: ${undone}`;
    return this.result(
      await this.move(order, 'NEEDS_ATTENTION', step, { step, outcome: 'parked', note, reason: 'COMPENSATION_FAILED' }),
      step,
      'parked',
    );
  }

  /**
   * Enters COMPENSATING (once) with the reason derived from the caught error; answers the order as it is now. Its
   * timeline entry is the failed forward step's (step, outcome from the error, reason), the step derived from the
   * status as failedForwardStep documents; the compensation that began it is in the note.
   */
  private async beginCompensation(orderId: string, error: CaughtError | undefined, step: SagaStepName): Promise<Order> {
    const order = await this.require(orderId, step);
    if (order.status === 'COMPENSATING') {
      await this.announceCompensationBegunBy(order, step);
      return order;
    }
    if (order.status === 'FAILED' || order.status === 'NEEDS_ATTENTION') return order;
    if (!COMPENSABLE.includes(order.status)) {
      await this.announceEnded(order, step);
      throw new SagaOrderStateError(orderId, order.status, step);
    }
    const { name, message } = describeCaughtError(error);
    const failed = failedForwardStep(order.status) ?? step;
    return this.move(order, 'COMPENSATING', step, {
      step: failed,
      outcome: failedStepOutcome(name),
      note: `${name}: ${message}; ${beginsCompensation(step)}`,
      reason: failureReasonFor(name, order.status),
    });
  }

  private async require(orderId: string, step: SagaStepName): Promise<Order> {
    const order = await this.deps.orders.getOrder(orderId);
    if (order === undefined) throw new SagaOrderStateError(orderId, 'MISSING', step);
    return order;
  }

  /**
   * One status change, a conditional write (one UpdateItem, or the step's own `write`), then its announcement. An
   * intermediate one is published straight to the bus, best effort; any other through `OrderService.publishDirect`:
   * the PutEvents, and an outbox record for the relay only when the bus refuses it (the step fails, and is retried,
   * only when the table refuses that record too). The event's id is stable per (order, status), so an announcement
   * made twice is acted on once. A concurrent duplicate or an earlier attempt that already made the same change is
   * not an error: the order is answered as it is, and announced again (that attempt may have died between its write
   * and its publish).
   */
  private async move<T extends Order | OrderSnapshot>(
    order: T,
    to: OrderStatus,
    step: SagaStepName,
    entry: StepEntry,
    options: MoveOptions = {},
  ): Promise<T | Order> {
    if (order.status === to) return order;
    const { paymentTransactionId } = options;
    const at = this.now().toISOString();
    const direct = publishedDirectly(to);
    // Asked beside the status change, not after it: the step waits for the slower of the two, not for both.
    const wanted = direct ? this.progressWanted(order.customerId, to, options.progress) : undefined;
    const request: TransitionRequest = {
      orderId: order.orderId,
      to,
      at,
      step: entry.step,
      outcome: entry.outcome,
      note: entry.note,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      ...(paymentTransactionId === undefined ? {} : { paymentTransactionId }),
    };
    let written: Order | undefined;
    try {
      written = await (options.write ?? ((change) => this.deps.orders.transitionOrder(change)))(request);
    } catch (error) {
      if (!(error instanceof OrderTransitionRejectedError) || error.from !== to) throw error;
      const current = await this.deps.orders.getOrder(order.orderId);
      if (current === undefined) throw error;
      if (!direct) await this.announce(current);
      return current;
    }
    this.deps.log.info('order status changed', {
      orderId: order.orderId,
      step,
      from: order.status,
      to,
      entryStep: entry.step,
      outcome: entry.outcome,
    });
    // A write that answers no item (a transaction): the order as the step knew it, in its new status. Only the status,
    // the timeline and updatedAt changed, and what the step passes on (OrderSnapshot) holds none of the other two.
    const moved: T | Order = written ?? ({ ...order, status: to } as T);
    if (direct) {
      if (!(await wanted)) {
        this.deps.log.info('no webhook endpoint subscribes to this progress event: not published', {
          orderId: order.orderId,
          to,
        });
        return moved;
      }
      // No outbox: a lost intermediate event costs a webhook subscriber one progress notice, never an order.
      const eventId = orderStatusEventId(order.orderId, to);
      await this.eventOf(written ?? order, to, step, eventId, at)
        .then((event) => this.deps.publisher.publish([event]))
        .catch((error: unknown) =>
          this.deps.log.warn('an intermediate order event could not be published; not retried', {
            orderId: order.orderId,
            eventId,
            to,
            error,
          }),
        );
      return moved;
    }
    // Every write that answers no item is an intermediate status's (ReserveInventory's): `written` is here.
    await this.announce(written ?? (await this.require(order.orderId, step)), at);
    return moved;
  }

  /**
   * The event of the order in status `to`. An event carries the order's lines with names and prices, which a snapshot
   * (the order a previous step passed on) does not hold: the order is then read, once, and only for a subscriber.
   */
  private async eventOf(
    order: Order | OrderSnapshot,
    to: OrderStatus,
    step: SagaStepName,
    eventId: string,
    at: string,
  ): Promise<PlatformEvent> {
    const full = isReadOrder(order) ? order : await this.require(order.orderId, step);
    return orderEvent({ ...full, status: to }, eventId, at);
  }

  /**
   * Publishes the event of the status the order is in, under its stable id (orderStatusRecord); written to the outbox
   * when the bus refuses it; throws (so the step is retried) only when the table refuses that too. `at`: when the
   * status was entered (by default the time of its timeline entry, for an announcement made again by a later attempt).
   */
  private async announce(order: Order, at?: string): Promise<void> {
    await this.outbox.publishDirect([orderStatusRecord(order, at)]);
  }

  /**
   * Whether to publish a progress event: from the subscriptions ValidateOrder read when the step has them, else read
   * now; when the registrations cannot be read, yes (a notice too many, not one lost).
   */
  private async progressWanted(
    customerId: string,
    to: OrderStatus,
    progress?: Promise<ProgressRead>,
  ): Promise<boolean> {
    const subscribers = this.deps.progressSubscribers;
    if (subscribers === undefined) return true;
    const eventType = eventTypeForStatus(to);
    const known = await progress;
    if (known === 'unreadable') return true;
    if (known !== undefined) return known.includes(eventType);
    return subscribers.hasSubscriber(customerId, eventType).catch((error: unknown) => {
      this.deps.log.warn('the webhook registrations could not be read; the progress event is published', {
        eventType,
        error,
      });
      return true;
    });
  }

  /**
   * The progress event types the customer's endpoints subscribe to, one read for the whole saga (ValidateOrder's);
   * undefined when there is no port; `unreadable` when the read failed: ValidateOrder then publishes its event without
   * asking again, and passes nothing on, so each later step asks for itself.
   */
  private progressSubscriptions(customerId: string): Promise<ProgressRead> {
    const subscribers = this.deps.progressSubscribers;
    if (subscribers === undefined) return Promise.resolve(undefined);
    return subscribers.subscribedTypes(customerId).then(
      (types) => INTERMEDIATE_ORDER_EVENTS.filter((type) => types.has(type)),
      (error: unknown) => {
        this.deps.log.warn('the webhook registrations could not be read; the progress event is published', {
          customerId,
          error,
        });
        return 'unreadable' as const;
      },
    );
  }

  /** Appends an entry that moves no status, once per `stepKey` for the order (a repeat appends nothing). */
  private async record(order: Order, entry: StepEntry, stepKey: string): Promise<void> {
    const appended = await this.deps.orders.appendTimeline(
      order.orderId,
      { status: order.status, at: this.now().toISOString(), ...entry },
      stepKey,
    );
    this.deps.log.info(appended ? 'timeline entry recorded' : 'timeline entry already recorded', {
      orderId: order.orderId,
      step: entry.step,
      outcome: entry.outcome,
      stepKey,
    });
  }

  /**
   * COMPENSATING as this step found it: if this step began it (an earlier attempt, which may have died before
   * announcing it), announced again; begun by another step, nothing (that step announces its own).
   */
  private async announceCompensationBegunBy(order: Order, step: SagaStepName): Promise<void> {
    // The first COMPENSATING entry is the one that entered it (the compensations append theirs after it).
    const begun = order.timeline.find((entry) => entry.status === 'COMPENSATING');
    if (begun?.note?.endsWith(beginsCompensation(step))) await this.announce(order);
  }

  /**
   * A compensation found the order ended (CONFIRMED): the step that made it ran out of retries, perhaps after its write
   * and before its publish (the Catch then leads here). Announced again, best effort: the step fails as before.
   */
  private async announceEnded(order: Order, step: SagaStepName): Promise<void> {
    if (order.status !== 'CONFIRMED') return;
    await this.announce(order).catch((error: unknown) =>
      this.deps.log.warn('the ended order could not be announced again', { orderId: order.orderId, step, error }),
    );
  }

  /** A step found its status change made by an earlier attempt: announced again (the attempt may have died before). */
  private async alreadyAnnounced(order: Order, step: SagaStepName): Promise<StepResult> {
    await this.announce(order);
    return this.result(order, step, 'already-done');
  }

  private result(
    order: Order | OrderSnapshot,
    step: SagaStepName,
    outcome: string,
    progressSubscriptions?: readonly string[],
  ): StepResult {
    return {
      orderId: order.orderId,
      step,
      outcome,
      status: order.status,
      order: snapshotOf(order, progressSubscriptions),
    };
  }
}
