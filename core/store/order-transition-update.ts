/**
 * The conditional update of an order item that changes its status, built in one place: the order repository sends it
 * as an UpdateItem (`transitionOrder`), and the inventory store sends it inside ReserveInventory's TransactWriteItems
 * together with the reservation and the stock (docs/decisions.md, "the reservation on the order item"), so both write
 * exactly the same change: the status, the timeline entry, the status index's partition when it moves, the first
 * failure reason, the payment transaction id.
 */
import type { TimelineEntry } from '../domain/order';
import { allowedPreviousStatuses } from '../domain/order-status';
import type { TransitionRequest } from '../orders/ports';
import type { Item } from './items';
import { keys } from './keys';

/** The parts of the update, to send as they are or to extend with more SET actions and conditions. */
export interface OrderTransitionUpdate {
  readonly key: Item;
  /** SET actions, without the `SET` keyword. */
  readonly sets: readonly string[];
  /** The item exists and its status is one the transition table allows `to` from. */
  readonly condition: string;
  readonly names: Readonly<Record<string, string>>;
  /** Placeholders `:to`, `:at`, `:entry`, `:p<n>`, `:gsi2pk`, `:reason`, `:transactionId`; extensions use others. */
  readonly values: Readonly<Item>;
}

/** The update of `request`; undefined when no status leads to `request.to` (PENDING), so there is nothing to write. */
export const orderTransitionUpdate = (request: TransitionRequest): OrderTransitionUpdate | undefined => {
  const previous = allowedPreviousStatuses(request.to);
  if (previous.length === 0) return undefined;
  const entry: TimelineEntry = {
    status: request.to,
    at: request.at,
    ...(request.step === undefined ? {} : { step: request.step }),
    ...(request.outcome === undefined ? {} : { outcome: request.outcome }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    ...(request.note === undefined ? {} : { note: request.note }),
  };
  // GSI2SK (`<createdAt>#<orderId>`) does not depend on the status: only the partition may move, and it is not
  // written when every status the order may come from shares the target's (keys.ts, IN_FLIGHT_STATUSES): an index
  // entry moved costs two index writes.
  const partition = keys.statusPartition(request.to);
  const moves = previous.some((status) => keys.statusPartition(status) !== partition);
  const values: Item = { ':to': request.to, ':at': request.at, ':entry': [entry] };
  previous.forEach((status, index) => {
    values[`:p${index}`] = status;
  });
  const sets = ['#status = :to', 'updatedAt = :at', 'timeline = list_append(timeline, :entry)'];
  if (moves) {
    values[':gsi2pk'] = partition;
    sets.push('GSI2PK = :gsi2pk');
  }
  if (request.reason !== undefined) {
    values[':reason'] = request.reason;
    sets.push('failureReason = if_not_exists(failureReason, :reason)');
  }
  if (request.paymentTransactionId !== undefined) {
    values[':transactionId'] = request.paymentTransactionId;
    sets.push('paymentTransactionId = :transactionId');
  }
  return {
    key: keys.order(request.orderId),
    sets,
    condition: `attribute_exists(PK) AND #status IN (${previous.map((_, index) => `:p${index}`).join(', ')})`,
    names: { '#status': 'status' },
    values,
  };
};
