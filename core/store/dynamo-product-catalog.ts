/**
 * The DynamoDB adapter of the ProductCatalog port: product items, listed on GSI1 under the catalog partition.
 * `stock` lives on the same item; the inventory adapter (./dynamo-inventory-store.ts) is the one that changes it.
 */
import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import type { Product } from '../domain/product';
import type { ProductCatalog, ProductPrices } from '../products/ports';
import { productItem, toProduct } from './items';
import type { Item } from './items';
import { CATALOG, GSI1, keys } from './keys';
import { queryPage } from './paging';

/** BatchGetItem takes at most 100 keys; unprocessed keys are asked again a bounded number of times. */
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_ATTEMPTS = 10;

export class DynamoProductCatalog implements ProductCatalog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putProduct(product: Product): Promise<Product> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: productItem(product) }));
    return product;
  }

  async getProduct(productId: string): Promise<Product | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.product(productId) }),
    );
    return Item === undefined ? undefined : toProduct(Item);
  }

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    const unique = [...new Set(productIds)];
    const found = new Map<string, Product>();
    for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.tableName]: { Keys: unique.slice(start, start + BATCH_GET_MAX_KEYS).map((id) => keys.product(id)) },
      };
      for (let attempt = 0; request !== undefined && attempt < BATCH_GET_ATTEMPTS; attempt += 1) {
        const response: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of response.Responses?.[this.tableName] ?? [])
          found.set(item.productId as string, toProduct(item));
        const unprocessed: { Keys?: Item[] } | undefined = response.UnprocessedKeys?.[this.tableName];
        request =
          unprocessed?.Keys && unprocessed.Keys.length > 0
            ? { [this.tableName]: { Keys: unprocessed.Keys } }
            : undefined;
      }
    }
    return found;
  }

  async listProducts(page: PageRequest = {}): Promise<Page<Product>> {
    return queryPage(
      this.client,
      this.tableName,
      { index: GSI1, partitionAttribute: 'GSI1PK', partition: CATALOG, ascending: true, map: toProduct },
      page,
    );
  }
}

/** How long the API prices from a product it read: see CachedProductPrices for why a few seconds are safe. */
export const CATALOG_CACHE_TTL_MS = 5_000;

/**
 * The catalog as the API prices orders from it: each product kept for `ttlMs` after it was read, so a burst of
 * orders for the same products costs one BatchGetItem per TTL instead of one per order, and concurrent misses
 * share one read. Unknown ids are not remembered (a product added a moment ago is found at once).
 *
 * What a short TTL risks, and why it is safe: an order placed within `ttlMs` of a price change is priced at the
 * previous price, as if the customer had loaded the page a moment earlier; the order stores the price it was placed
 * at and ValidateOrder checks its arithmetic. Stock is never read from here: ReserveInventory reserves it with a
 * conditional write, so a cached stock figure cannot oversell.
 */
export class CachedProductPrices implements ProductPrices {
  private readonly entries = new Map<
    string,
    { readonly expiresAt: number; readonly value: Promise<Product | undefined> }
  >();

  constructor(
    private readonly source: ProductPrices,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async getProducts(productIds: readonly string[]): Promise<Map<string, Product>> {
    const now = this.nowMs();
    const unique = [...new Set(productIds)];
    const missing = unique.filter((id) => {
      const entry = this.entries.get(id);
      return entry === undefined || entry.expiresAt <= now;
    });
    if (missing.length > 0) {
      const read = this.source.getProducts(missing);
      const expiresAt = now + this.ttlMs;
      for (const id of missing) {
        const value = read.then((found) => found.get(id));
        this.entries.set(id, { expiresAt, value });
        // A failed read or an unknown id is not kept: the next order asks the table again.
        value.then(
          (product) => {
            if (product === undefined && this.entries.get(id)?.value === value) this.entries.delete(id);
          },
          () => {
            if (this.entries.get(id)?.value === value) this.entries.delete(id);
          },
        );
      }
    }
    // Taken before awaiting anything, so a failed read rejects here instead of reading as an unknown product.
    const pending = unique.map((id) => this.entries.get(id)?.value ?? Promise.resolve(undefined));
    const found = new Map<string, Product>();
    for (const product of await Promise.all(pending)) if (product !== undefined) found.set(product.productId, product);
    return found;
  }
}
