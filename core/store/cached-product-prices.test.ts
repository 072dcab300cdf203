/**
 * The API's catalog cache (CachedProductPrices in ./dynamo-product-catalog.ts) over a counting fake of the port: a
 * product read once serves every order within the TTL, and nothing that should be read again is kept.
 */
import { money } from '../domain/money';
import type { Product } from '../domain/product';
import type { ProductPrices } from '../products/ports';
import { CachedProductPrices } from './dynamo-product-catalog';

const product = (productId: string, amount: number): Product => ({
  productId,
  name: productId,
  price: money(amount, 'EUR'),
  stock: 1,
  updatedAt: '2026-01-01T00:00:00Z',
});

class CountingCatalog implements ProductPrices {
  readonly reads: string[][] = [];
  failing = false;
  constructor(readonly products: Map<string, Product>) {}
  async getProducts(ids: readonly string[]): Promise<Map<string, Product>> {
    this.reads.push([...ids]);
    if (this.failing) throw new Error('ProvisionedThroughputExceededException (test)');
    return new Map(ids.flatMap((id) => (this.products.has(id) ? [[id, this.products.get(id) as Product]] : [])));
  }
}

describe('CachedProductPrices', () => {
  it('reads a product once within the TTL', async () => {
    const source = new CountingCatalog(new Map([['mug', product('mug', 100)]]));
    const cache = new CachedProductPrices(source, 5000, () => 1000);
    await cache.getProducts(['mug']);
    const second = await cache.getProducts(['mug']);
    expect(source.reads).toEqual([['mug']]);
    expect(second.get('mug')?.price.amount).toBe(100);
  });

  it('reads again once the TTL has passed, and sees the new price', async () => {
    let now = 1000;
    const products = new Map([['mug', product('mug', 100)]]);
    const cache = new CachedProductPrices(new CountingCatalog(products), 5000, () => now);
    await cache.getProducts(['mug']);
    products.set('mug', product('mug', 120));
    now = 6000;
    const later = await cache.getProducts(['mug']);
    expect(later.get('mug')?.price.amount).toBe(120);
  });

  it('shares one read between concurrent misses', async () => {
    const source = new CountingCatalog(new Map([['mug', product('mug', 100)]]));
    const cache = new CachedProductPrices(source, 5000, () => 1000);
    await Promise.all(Array.from({ length: 20 }, () => cache.getProducts(['mug'])));
    expect(source.reads).toHaveLength(1);
  });

  it('does not remember an unknown product', async () => {
    const products = new Map<string, Product>();
    const source = new CountingCatalog(products);
    const cache = new CachedProductPrices(source, 5000, () => 1000);
    await cache.getProducts(['new']);
    products.set('new', product('new', 300));
    const found = await cache.getProducts(['new']);
    expect(found.get('new')?.price.amount).toBe(300);
  });

  it('rejects when the read fails, and reads again on the next call', async () => {
    expect.assertions(2);
    const source = new CountingCatalog(new Map([['mug', product('mug', 100)]]));
    source.failing = true;
    const cache = new CachedProductPrices(source, 5000, () => 1000);
    await expect(cache.getProducts(['mug'])).rejects.toThrow('ProvisionedThroughput');
    source.failing = false;
    expect((await cache.getProducts(['mug'])).get('mug')?.price.amount).toBe(100);
  });
});
