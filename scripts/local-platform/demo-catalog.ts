import { money } from '../../core/domain/money';
import type { Product } from '../../core/domain/product';

/** The demo catalog `npm start` seeds and the API tests use. Prices in cents. */
export const demoCatalog = (at: string): Product[] =>
  [
    { productId: 'espresso-beans', name: 'Espresso beans 1 kg', amount: 2490, stock: 50 },
    { productId: 'grinder', name: 'Hand grinder', amount: 8900, stock: 10 },
    { productId: 'mug', name: 'Stoneware mug', amount: 1250, stock: 200 },
    { productId: 'kettle', name: 'Gooseneck kettle', amount: 5900, stock: 15 },
    { productId: 'filter-papers', name: 'Filter papers (100)', amount: 590, stock: 500 },
  ].map((item) => ({
    productId: item.productId,
    name: item.name,
    price: money(item.amount, 'EUR'),
    stock: item.stock,
    updatedAt: at,
  }));
