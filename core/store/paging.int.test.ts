/**
 * Against DynamoDB Local: a cursor of the caller's own partition with other key names used to reach DynamoDB, which
 * refused the start key with a ValidationException (a 500 from the API); it is now a PaginationCursorInvalidError
 * (400 INVALID_CURSOR) and the listing is not queried.
 */
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { PaginationCursorInvalidError } from '../orders/errors';
import { createDynamoStores } from './dynamo-stores';
import type { DynamoStores } from './dynamo-stores';

const encode = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('cursors against DynamoDB Local', () => {
  let local: LocalTable;
  let stores: DynamoStores;

  beforeAll(async () => {
    local = await startLocalTable({ readyTimeoutMs: 110_000 });
    stores = createDynamoStores(local.documentClient, local.tableName);
    // DynamoDB Local starts in about 3 s alone, far slower on a shared, loaded machine.
  }, 120_000);
  afterAll(async () => {
    await local.stop();
  });

  it("refuses a cursor of the caller's own partition with unexpected keys as INVALID_CURSOR, not DynamoDB's ValidationException", async () => {
    const cursor = encode({ GSI1PK: 'CUSTOMER#dave', PK: 'ORDER#x', SK: 'ORDER', GSI2SK: 'x' });

    await expect(stores.orders.listCustomerOrders('dave', { cursor })).rejects.toThrow(PaginationCursorInvalidError);
  });
});
