/**
 * The admin's order browser (GET /api/orders as admin): every order newest first, narrowed by status, customer and
 * creation time, or one order by id. Each filter combination is ONE indexed Query, never a Scan: a customer goes to
 * GSI1 (their partition, ULID order ids bound the time range), a status to GSI2 (`<createdAt>#<orderId>`), neither to
 * GSI3 (every order item, sparse). Pages use the same cursors as every other list (paging.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { Page, PageRequest } from '../domain/page';
import { type Item, toOrder } from './items';
import { ALL_ORDERS, GSI1, GSI2, GSI3, keys } from './keys';
import { queryPage } from './paging';
import type { PageQuery } from './paging';

/** What the admin narrows the list by; every field optional, all given ones apply together. */
export interface OrderBrowserFilter {
  readonly status?: OrderStatus;
  readonly customerId?: string;
  /** Created at or after this instant (ISO 8601). */
  readonly from?: string;
  /** Created at or before this instant (ISO 8601). */
  readonly to?: string;
}

/** Sorts after every character of `<createdAt>#<orderId>`, so `<to>~` includes every order created at `to`. */
const AFTER = '~';
const EARLIEST = '0000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';
const ULID_RANDOM_MIN = '0'.repeat(16);
const ULID_RANDOM_MAX = 'Z'.repeat(16);

const ulidBound = (iso: string, random: string): string =>
  `${encodeTime(Math.max(0, Math.min(Date.parse(iso), 2 ** 48 - 1)), 10)}${random}`;

export class AdminOrderBrowser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Newest first. A customer filter reads that customer's partition (status then filters within it). */
  async listOrders(filter: OrderBrowserFilter, page: PageRequest = {}): Promise<Page<Order>> {
    const from = filter.from ?? EARLIEST;
    const to = filter.to ?? LATEST;
    const timed = filter.from !== undefined || filter.to !== undefined;
    let query: PageQuery<Order>;
    if (filter.customerId !== undefined) {
      query = {
        index: GSI1,
        partitionAttribute: 'GSI1PK',
        partition: keys.customerOrdersPartition(filter.customerId),
        ascending: false,
        map: toOrder,
        sortKeyBetween: {
          attribute: 'GSI1SK',
          from: keys.orderByCustomer(filter.customerId, timed ? ulidBound(from, ULID_RANDOM_MIN) : '').GSI1SK,
          to: keys.orderByCustomer(filter.customerId, timed ? ulidBound(to, ULID_RANDOM_MAX) : AFTER).GSI1SK,
        },
        ...(filter.status === undefined ? {} : { filter: (item: Item) => item.status === filter.status }),
      };
    } else if (filter.status !== undefined) {
      query = {
        index: GSI2,
        partitionAttribute: 'GSI2PK',
        partition: keys.statusPartition(filter.status),
        ascending: false,
        map: toOrder,
        sortKeyBetween: { attribute: 'GSI2SK', from, to: `${to}${AFTER}` },
        // The partition may hold other statuses (keys.ts, IN_FLIGHT_STATUSES).
        filter: (item: Item) => item.status === filter.status,
      };
    } else {
      query = {
        index: GSI3,
        partitionAttribute: 'GSI3PK',
        partition: ALL_ORDERS,
        ascending: false,
        map: toOrder,
        sortKeyBetween: { attribute: 'GSI3SK', from, to: `${to}${AFTER}` },
      };
    }
    return queryPage(this.client, this.tableName, query, page);
  }
}
