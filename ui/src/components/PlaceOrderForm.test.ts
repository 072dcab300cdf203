import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import { clientFor, order, product } from '../test/fakes';
import PlaceOrderForm from './PlaceOrderForm.vue';

describe('PlaceOrderForm', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => provideApi(undefined));

  it('shows visible Product and Quantity labels, the three payment tokens and a Place order button', () => {
    // prepare
    provideApi(clientFor({}).api);
    // act
    const wrapper = mount(PlaceOrderForm, { props: { products: [product()] } });
    // assess
    expect(wrapper.find('label[for="order-product-0"]').text()).toBe('Product');
    expect(wrapper.find('label[for="order-quantity-0"]').text()).toBe('Quantity');
    expect(wrapper.findAll('#order-token option').map((o) => o.attributes('value'))).toEqual([
      'tok_visa',
      'tok_chargeDeclined',
      'tok_chargeDeclinedInsufficientFunds',
    ]);
    expect(wrapper.find('button[type="submit"]').text()).toBe('Place order');
  });

  it('refuses to submit without a product and sends nothing', async () => {
    // prepare
    const { api, calls } = clientFor({});
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product()] } });
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('#order-product-0-error').text()).toBe('Choose a product.');
    expect(wrapper.find('#order-product-0').attributes('aria-invalid')).toBe('true');
    expect(calls).toHaveLength(0);
  });

  it.each([['0'], ['101'], ['2.5'], ['']])('rejects quantity %j', async (quantity) => {
    // prepare
    const { api, calls } = clientFor({});
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product({ stock: 500 })] } });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue(quantity);
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('#order-quantity-0-error').text()).toBe('Enter a whole number from 1 to 100.');
    expect(calls).toHaveLength(0);
  });

  it('rejects a quantity above the stock', async () => {
    // prepare
    const { api, calls } = clientFor({});
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product({ stock: 3 })] } });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue('4');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('#order-quantity-0-error').text()).toBe('Only 3 in stock.');
    expect(calls).toHaveLength(0);
  });

  it('posts items and token with an Idempotency-Key, never a price, and emits the created order', async () => {
    // prepare
    const created = order({ orderId: 'o-9' });
    const { api, calls } = clientFor({ 'POST /api/orders': [201, created] });
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product()] } });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue('2');
    await wrapper.find('#order-token').setValue('tok_chargeDeclined');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]!.body!)).toEqual({
      items: [{ productId: 'p-1', quantity: 2 }],
      paymentToken: 'tok_chargeDeclined',
    });
    expect(calls[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(wrapper.emitted('placed')).toEqual([[created]]);
  });

  it('retries a failed submission with the same Idempotency-Key and shows the error', async () => {
    // prepare
    const { api, calls } = clientFor({
      'POST /api/orders': [503, { error: { code: 'UNAVAILABLE', message: 'Try again shortly' } }],
    });
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product()] } });
    await wrapper.find('#order-product-0').setValue('p-1');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('[role="alert"]').text()).toBe('Try again shortly');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.headers['idempotency-key']).toBe(calls[0]!.headers['idempotency-key']);
    expect(wrapper.emitted('placed')).toBeUndefined();
  });

  it('builds a cart of several lines and posts every line', async () => {
    // prepare
    const created = order({ orderId: 'o-10' });
    const { api, calls } = clientFor({ 'POST /api/orders': [201, created] });
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, {
      props: { products: [product(), product({ productId: 'p-2', name: 'Grinder' })] },
    });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue('2');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Add a product')!
      .trigger('click');
    await wrapper.find('#order-product-1').setValue('p-2');
    await wrapper.find('#order-quantity-1').setValue('3');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(JSON.parse(calls[0]!.body!).items).toEqual([
      { productId: 'p-1', quantity: 2 },
      { productId: 'p-2', quantity: 3 },
    ]);
  });

  it('shows a live total over all lines from the products endpoint prices', async () => {
    // prepare
    provideApi(clientFor({}).api);
    const wrapper = mount(PlaceOrderForm, {
      props: {
        products: [
          product(),
          product({ productId: 'p-2', name: 'Grinder', price: { amount: 10_000, currency: 'USD' } }),
        ],
      },
    });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue('2');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Add a product')!
      .trigger('click');
    // act
    await wrapper.find('#order-product-1').setValue('p-2');
    // assess: 2 x $24.90 + 1 x $100.00
    expect(wrapper.find('[data-testid="estimate"]').text()).toContain('$149.80');
    expect(wrapper.findAll('[data-testid="line-total"]').map((t) => t.text())).toEqual(['$49.80', '$100.00']);
  });

  it('removes a line from the cart and its price from the total', async () => {
    // prepare
    provideApi(clientFor({}).api);
    const wrapper = mount(PlaceOrderForm, {
      props: {
        products: [
          product(),
          product({ productId: 'p-2', name: 'Grinder', price: { amount: 10_000, currency: 'USD' } }),
        ],
      },
    });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Add a product')!
      .trigger('click');
    await wrapper.find('#order-product-1').setValue('p-2');
    // act
    await wrapper.find('button[aria-label="Remove line 1"]').trigger('click');
    // assess
    expect(wrapper.findAll('li.cart__line')).toHaveLength(1);
    expect((wrapper.find('#order-product-0').element as HTMLSelectElement).value).toBe('p-2');
    expect(wrapper.find('[data-testid="estimate"]').text()).toContain('$100.00');
  });

  it('checks two lines of one product against its stock together', async () => {
    // prepare
    const { api, calls } = clientFor({});
    provideApi(api);
    const wrapper = mount(PlaceOrderForm, { props: { products: [product({ stock: 3 })] } });
    await wrapper.find('#order-product-0').setValue('p-1');
    await wrapper.find('#order-quantity-0').setValue('2');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Add a product')!
      .trigger('click');
    await wrapper.find('#order-product-1').setValue('p-1');
    await wrapper.find('#order-quantity-1').setValue('2');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('#order-quantity-1-error').text()).toBe('Only 3 in stock.');
    expect(calls).toHaveLength(0);
  });
});
