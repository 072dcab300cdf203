import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../router';
import { SESSION_ENDED_MESSAGE, useAuthStore } from '../stores/auth';
import SignInPage from './SignInPage.vue';

const CONFIG = {
  region: 'us-east-1',
  userPoolId: 'p',
  userPoolClientId: 'c',
  cognitoEndpoint: 'http://127.0.0.1:4566/',
};

const mountWith = async (config: typeof CONFIG & { localControlPlane?: string }, endedReason?: string) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  const auth = useAuthStore();
  auth.config = config;
  auth.endedReason = endedReason;
  const wrapper = mount(SignInPage, { global: { plugins: [pinia, createAppRouter(createMemoryHistory())] } });
  await flushPromises();
  return wrapper;
};

describe('SignInPage', () => {
  it('on the local platform, says where the demo passwords are', async () => {
    // act
    const wrapper = await mountWith({ ...CONFIG, localControlPlane: 'http://127.0.0.1:4566/_local' });
    // assess
    const hint = wrapper.find('[data-testid="local-users-hint"]');
    expect(hint.text()).toContain('npm start');
    expect(hint.text()).toContain('GET /_local/users');
    expect(hint.find('a').attributes('href')).toBe('http://127.0.0.1:4566/_local/users');
  });

  it('in AWS, says nothing about local passwords', async () => {
    // act
    const wrapper = await mountWith(CONFIG);
    // assess
    expect(wrapper.find('[data-testid="local-users-hint"]').exists()).toBe(false);
  });

  it('says why the user is back at sign-in when the session ended', async () => {
    // act
    const wrapper = await mountWith(CONFIG, SESSION_ENDED_MESSAGE);
    // assess
    expect(wrapper.find('[data-testid="session-ended"]').text()).toBe(SESSION_ENDED_MESSAGE);
  });
});
