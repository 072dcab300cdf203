import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router';
import OrderDetailPage from './pages/OrderDetailPage.vue';
import OrdersPage from './pages/OrdersPage.vue';
import SignInPage from './pages/SignInPage.vue';
import { useAuthStore } from './stores/auth';

/** The dashboard's routes; every page but sign-in needs a session, admin pages an admin. */
export const createAppRouter = (history: RouterHistory = createWebHistory()): Router => {
  const router = createRouter({
    history,
    routes: [
      { path: '/', redirect: '/orders' },
      { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { public: true, title: 'Sign in' } },
      { path: '/orders', name: 'orders', component: OrdersPage, meta: { title: 'Orders' } },
      { path: '/orders/:id', name: 'order', component: OrderDetailPage, props: true, meta: { title: 'Order' } },
      {
        path: '/products',
        name: 'products',
        component: () => import('./pages/ProductsPage.vue'),
        meta: { title: 'Products' },
      },
      {
        path: '/webhooks',
        name: 'webhooks',
        component: () => import('./pages/WebhooksPage.vue'),
        meta: { title: 'Webhooks' },
      },
      {
        path: '/operations',
        name: 'operations',
        component: () => import('./pages/OperationsPage.vue'),
        meta: { title: 'Operations' },
      },
      {
        path: '/events/catalog',
        name: 'event-catalog',
        component: () => import('./pages/EventCatalogPage.vue'),
        meta: { title: 'Event catalog' },
      },
      { path: '/faults', name: 'faults', component: () => import('./pages/FaultsPage.vue'), meta: { title: 'Faults' } },
      { path: '/:pathMatch(.*)*', redirect: '/orders' },
    ],
  });
  router.beforeEach((to) => {
    const auth = useAuthStore();
    if (!to.meta.public && !auth.signedIn) return { name: 'sign-in', query: { next: to.fullPath } };
    return true;
  });
  router.afterEach((to) => {
    document.title = `${String(to.meta.title ?? 'Dashboard')} · Order platform`;
  });
  return router;
};
