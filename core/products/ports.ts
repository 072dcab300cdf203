/**
 * The catalog's port: the admin API writes products, the order use cases read their prices. Its own port (not a
 * part of the order store) because products are an aggregate of their own. Adapter: core/store/dynamo-product-catalog.ts.
 */
import type { Page, PageRequest } from '../domain/page';
import type { Product } from '../domain/product';

export interface ProductCatalog {
  putProduct(product: Product): Promise<Product>;
  getProduct(productId: string): Promise<Product | undefined>;
  /** Several products at once; ids that are not in the catalog are absent from the map. */
  getProducts(productIds: readonly string[]): Promise<Map<string, Product>>;
  /** The catalog in product-id order. */
  listProducts(page?: PageRequest): Promise<Page<Product>>;
}

/** What pricing or validating an order needs of the catalog. */
export type ProductPrices = Pick<ProductCatalog, 'getProducts'>;
