/**
 * The one place the table's adapters are built: each aggregate's adapter behind its port, all on one document
 * client and one table. Composition roots (the API server, the Lambda runtimes, scripts, tests) call this and hand
 * each use case only the ports it needs.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventLog } from '../events/ports';
import type { InventoryPort } from '../inventory/inventory';
import type { OrderOutbox, OrderRepository } from '../orders/ports';
import type { PaymentLedger } from '../payments/simulated-provider';
import type { ProductCatalog } from '../products/ports';
import type { OrderPaymentPort } from '../saga/saga-steps';
import { DynamoEventLog } from './dynamo-event-log';
import { DynamoInventoryStore } from './dynamo-inventory-store';
import { DynamoOrderRepository } from './dynamo-order-repository';
import { DynamoOutbox } from './dynamo-outbox';
import { DynamoOrderPayments, DynamoPaymentLedger } from './dynamo-payment-ledger';
import { DynamoProductCatalog } from './dynamo-product-catalog';

export interface DynamoStores {
  readonly products: ProductCatalog;
  readonly orders: OrderRepository;
  readonly outbox: OrderOutbox;
  readonly events: EventLog;
  readonly inventory: InventoryPort;
  /** The provider's transaction id on the order item. */
  readonly orderPayments: OrderPaymentPort & { getPaymentTransactionId(orderId: string): Promise<string | undefined> };
  /** The simulated payment provider's state. */
  readonly paymentLedger: PaymentLedger;
}

export const createDynamoStores = (client: DynamoDBDocumentClient, tableName: string): DynamoStores => ({
  products: new DynamoProductCatalog(client, tableName),
  orders: new DynamoOrderRepository(client, tableName),
  outbox: new DynamoOutbox(client, tableName),
  events: new DynamoEventLog(client, tableName),
  inventory: new DynamoInventoryStore(client, tableName),
  orderPayments: new DynamoOrderPayments(client, tableName),
  paymentLedger: new DynamoPaymentLedger(client, tableName),
});
