import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '../App.vue';
import { provideApi, useApi } from '../composables/use-api';
import { createAppRouter } from '../router';
import { session } from '../test/fakes';
import { SESSION_ENDED_MESSAGE, useAuthStore } from './auth';

const CONFIG = {
  region: 'us-east-1',
  userPoolId: 'p',
  userPoolClientId: 'c',
  cognitoEndpoint: 'http://127.0.0.1:4566/',
};
const refused = () =>
  new Response(JSON.stringify({ error: { code: 'INVALID_TOKEN', message: 'the token is not valid for this API' } }), {
    status: 401,
  });

/** A fetch for the whole app: Cognito's InitiateAuth at the endpoint, the API everywhere else. */
const stubFetch = (cognito: () => Response, api: (authorization: string) => Response) =>
  vi
    .spyOn(globalThis, 'fetch')
    .mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input) === CONFIG.cognitoEndpoint
        ? cognito()
        : api((init?.headers as Record<string, string> | undefined)?.authorization ?? ''),
    );

describe('the session store, when the API refuses the token', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    provideApi(undefined);
    sessionStorage.clear();
  });
  afterEach(() => provideApi(undefined));

  it('renews the session with the refresh token and the request succeeds', async () => {
    // prepare
    const auth = useAuthStore();
    auth.config = CONFIG;
    auth.session = session({ idToken: 'old', refreshToken: 'r-1' });
    stubFetch(
      () =>
        new Response(JSON.stringify({ AuthenticationResult: { IdToken: 'h.e30.s', ExpiresIn: 3600 } }), {
          status: 200,
        }),
      (authorization) =>
        authorization === 'Bearer h.e30.s'
          ? new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200 })
          : refused(),
    );
    // act
    const page = await useApi().listOrders();
    // assess
    expect(page.items).toEqual([]);
    expect(auth.session?.idToken).toBe('h.e30.s');
    expect(auth.signedIn).toBe(true);
  });

  it('ends the session when it cannot be renewed, and the open page returns to sign-in', async () => {
    // prepare: signed in on /products; Cognito refuses the refresh token (it restarted)
    const pinia = createPinia();
    setActivePinia(pinia);
    const auth = useAuthStore();
    auth.config = CONFIG;
    auth.session = session({ idToken: 'old', refreshToken: 'r-1' });
    stubFetch(
      () =>
        new Response(JSON.stringify({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' }), {
          status: 400,
        }),
      refused,
    );
    const router = createAppRouter(createMemoryHistory());
    await router.push('/webhooks');
    mount(App, { global: { plugins: [pinia, router] } });
    await flushPromises();
    // act
    await useApi()
      .listOrders()
      .catch(() => undefined);
    await flushPromises();
    // assess
    expect(auth.signedIn).toBe(false);
    expect(auth.endedReason).toBe(SESSION_ENDED_MESSAGE);
    expect(router.currentRoute.value.name).toBe('sign-in');
    expect(router.currentRoute.value.query.next).toBe('/webhooks');
  });

  it('renews once for panels that are refused at the same moment', async () => {
    // prepare
    const auth = useAuthStore();
    auth.config = CONFIG;
    auth.session = session({ idToken: 'old', refreshToken: 'r-1' });
    let refreshes = 0;
    stubFetch(
      () => {
        refreshes += 1;
        return new Response(JSON.stringify({ AuthenticationResult: { IdToken: 'h.e30.s' } }), { status: 200 });
      },
      (authorization) => (authorization === 'Bearer h.e30.s' ? new Response('{}', { status: 200 }) : refused()),
    );
    // act
    await Promise.all([useApi().getOrder('a'), useApi().getOrder('b'), useApi().getOrder('c')]);
    // assess
    expect(refreshes).toBe(1);
  });
});
