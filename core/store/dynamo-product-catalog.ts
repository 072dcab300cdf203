/**
 * The DynamoDB adapter of the ProductCatalog port: product items, listed on GSI1 under the catalog partition.
 * `stock` lives on the same item; the inventory adapter (./dynamo-inventory-store.ts) is the one that changes it.
 */
import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import type { Product } from '../domain/product';
import type { ProductCatalog } from '../products/ports';
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
