import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ORDER_STATUSES, type Order } from '../services/types';

const isOrder = (value: unknown): value is Order =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Order).orderId === 'string' &&
  (ORDER_STATUSES as readonly string[]).includes((value as Order).status);

/** The caller's orders, newest first, kept current by the SSE `order` events. */
export const useOrdersStore = defineStore('orders', () => {
  const orders = ref<Order[]>([]);
  const nextCursor = ref<string | null | undefined>(undefined);

  const replace = (items: Order[], cursor?: string | null): void => {
    orders.value = [...items];
    nextCursor.value = cursor;
  };

  const append = (items: Order[], cursor?: string | null): void => {
    const known = new Set(orders.value.map((o) => o.orderId));
    orders.value = [...orders.value, ...items.filter((o) => !known.has(o.orderId))];
    nextCursor.value = cursor;
  };

  /** Inserts or updates one order from a live message. Older versions never overwrite newer ones. */
  const apply = (value: unknown): boolean => {
    if (!isOrder(value)) return false;
    const index = orders.value.findIndex((o) => o.orderId === value.orderId);
    const current = orders.value[index];
    if (current === undefined) {
      orders.value = [value, ...orders.value];
      return true;
    }
    if (current.updatedAt && value.updatedAt && value.updatedAt < current.updatedAt) return false;
    const copy = [...orders.value];
    copy[index] = { ...current, ...value };
    orders.value = copy;
    return true;
  };

  return { orders, nextCursor, replace, append, apply };
});
