import fc from 'fast-check';
import {
  allowedPreviousStatuses,
  assertTransition,
  canTransition,
  isTerminal,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  OrderTransitionInvalidError,
} from './order-status';
import type { OrderStatus } from './order-status';

const status = fc.constantFrom(...ORDER_STATUSES);
const forward: OrderStatus[] = ['PENDING', 'VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED'];

describe('the order status transition table', () => {
  it('allows the forward path one step at a time', () => {
    for (const [index, to] of forward.slice(1).entries()) expect(canTransition(forward[index], to)).toBe(true);
  });

  it('never skips a forward step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), (i, j) => {
        fc.pre(j !== i + 1);
        expect(canTransition(forward[i], forward[j])).toBe(false);
      }),
    );
  });

  it('lets every non-terminal forward status enter COMPENSATING', () => {
    for (const from of forward.slice(0, 4)) expect(canTransition(from, 'COMPENSATING')).toBe(true);
  });

  it('fails directly only while nothing was reserved or charged', () => {
    expect(allowedPreviousStatuses('FAILED')).toEqual(['PENDING', 'VALIDATED', 'COMPENSATING', 'NEEDS_ATTENTION']);
  });

  it('leaves COMPENSATING only to FAILED or NEEDS_ATTENTION, and NEEDS_ATTENTION only to FAILED', () => {
    expect(ORDER_TRANSITIONS.COMPENSATING).toEqual(['FAILED', 'NEEDS_ATTENTION']);
    expect(ORDER_TRANSITIONS.NEEDS_ATTENTION).toEqual(['FAILED']);
  });

  it('has exactly CONFIRMED and FAILED as terminal statuses', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['CONFIRMED', 'FAILED']);
  });

  it('agrees between canTransition, assertTransition and allowedPreviousStatuses for every pair', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const allowed = canTransition(from, to);
        expect(allowedPreviousStatuses(to).includes(from)).toBe(allowed);
        if (allowed) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(OrderTransitionInvalidError);
      }),
    );
  });

  it('ends every random walk through the table in a terminal status or a status with a way out', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (choices) => {
        let current: OrderStatus = 'PENDING';
        for (const choice of choices) {
          const next: readonly OrderStatus[] = ORDER_TRANSITIONS[current];
          if (next.length === 0) break;
          current = next[choice % next.length];
        }
        expect(isTerminal(current) || ORDER_TRANSITIONS[current].length > 0).toBe(true);
        expect(current === 'PENDING' || allowedPreviousStatuses(current).length > 0).toBe(true);
      }),
    );
  });

  it('never leaves a terminal status', () => {
    fc.assert(
      fc.property(fc.constantFrom<OrderStatus>('CONFIRMED', 'FAILED'), status, (from, to) =>
        expect(canTransition(from, to)).toBe(false),
      ),
    );
  });
});
