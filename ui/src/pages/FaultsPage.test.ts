import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import { useAuthStore } from '../stores/auth';
import { clientFor, session, tableFetch } from '../test/fakes';
import { createLocalClient } from '../services/api';
import FaultsPage from './FaultsPage.vue';

const CONFIG = {
  region: 'us-east-1',
  userPoolId: 'p',
  userPoolClientId: 'c',
  cognitoEndpoint: 'http://127.0.0.1:4566/',
};

const mountWith = async (localControlPlane: string | undefined, local?: ReturnType<typeof createLocalClient>) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  const auth = useAuthStore();
  auth.session = session({ username: 'admin', isAdmin: true });
  auth.config = localControlPlane ? { ...CONFIG, localControlPlane } : CONFIG;
  provideApi(clientFor({}).api, local);
  const wrapper = mount(FaultsPage, { global: { plugins: [pinia] } });
  await flushPromises();
  return wrapper;
};

describe('FaultsPage', () => {
  afterEach(() => provideApi(undefined));

  it('hides the faults panel when /config.json has no localControlPlane', async () => {
    // act
    const wrapper = await mountWith(undefined);
    // assess
    expect(wrapper.find('[data-testid="faults-panel"]').exists()).toBe(false);
    expect(wrapper.find('form').exists()).toBe(false);
    expect(wrapper.find('[data-testid="faults-unavailable"]').text()).toContain(
      'only when the platform runs in local mode',
    );
  });

  it('in local mode lists the functions and injects a fault through the control plane', async () => {
    // prepare
    const { fetch, calls } = tableFetch({
      'GET http://edge/_local/functions': [200, { functions: [{ name: 'local-send-email', arn: 'arn:1' }] }],
      'POST http://edge/_local/faults': [200, { function: 'local-send-email', faults: { failNext: 2 } }],
    });
    const wrapper = await mountWith('http://edge/_local', createLocalClient('http://edge/_local', { fetch }));
    await wrapper.find('#fault-fn').setValue('local-send-email');
    await wrapper.find('#fault-next').setValue('2');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('[data-testid="faults-panel"]').exists()).toBe(true);
    expect(calls.at(-1)).toMatchObject({ method: 'POST', url: 'http://edge/_local/faults' });
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ function: 'local-send-email', failNext: 2 });
    expect(wrapper.text()).toContain('fail next 2');
  });

  it('shows the faults already in force when it opens (set before a navigation or by another tab)', async () => {
    // prepare
    const { fetch } = tableFetch({
      'GET http://edge/_local/functions': [200, { functions: [{ name: 'local-confirm-order', arn: 'arn:1' }] }],
      'GET http://edge/_local/faults': [
        200,
        { faults: [{ function: 'local-confirm-order', failNext: 0, probability: 0.3, latencyMs: 0 }] },
      ],
    });
    // act
    const wrapper = await mountWith('http://edge/_local', createLocalClient('http://edge/_local', { fetch }));
    // assess
    expect(wrapper.text()).toContain('fail with probability 0.3');
    expect(wrapper.find('[aria-label="Clear faults on confirm-order"]').exists()).toBe(true);
  });

  it('refuses a probability above 1 and sends nothing', async () => {
    // prepare
    const { fetch, calls } = tableFetch({
      'GET http://edge/_local/functions': [200, { functions: [{ name: 'local-send-email', arn: 'arn:1' }] }],
    });
    const wrapper = await mountWith('http://edge/_local', createLocalClient('http://edge/_local', { fetch }));
    await wrapper.find('#fault-fn').setValue('local-send-email');
    await wrapper.find('#fault-prob').setValue('1.5');
    // act
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('[role="alert"]').text()).toBe('Probability is a number from 0 to 1.');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('shows the logical function names the README uses, and still sends the name the control plane lists', async () => {
    // prepare
    const { fetch, calls } = tableFetch({
      'GET http://edge/_local/functions': [
        200,
        {
          functions: [
            { name: 'local-confirm-order', arn: 'arn:1' },
            { name: 'local-send-email', arn: 'arn:2' },
          ],
        },
      ],
      'POST http://edge/_local/faults': [200, { function: 'local-confirm-order', faults: { failNext: 1 } }],
    });
    const wrapper = await mountWith('http://edge/_local', createLocalClient('http://edge/_local', { fetch }));
    // act
    await wrapper.find('#fault-fn').setValue('local-confirm-order');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // assess
    expect(
      wrapper
        .findAll('#fault-fn option')
        .map((option) => option.text())
        .slice(1),
    ).toEqual(['confirm-order', 'send-email']);
    expect(wrapper.findAll('[data-function]').map((cell) => cell.text())).toEqual(['confirm-order', 'send-email']);
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ function: 'local-confirm-order', failNext: 1 });
    expect(wrapper.text()).toContain('Fault set on confirm-order');
    expect(wrapper.text()).not.toContain('local-confirm-order');
  });
});
