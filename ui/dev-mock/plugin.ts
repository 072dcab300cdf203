/**
 * A small mock of the platform API for `UI_MOCK=1 npm run ui:dev`: it exists only so the pages can be looked at
 * (and screenshotted) before the API is there. Nothing that claims end-to-end uses it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';

const now = Date.now();
const iso = (offsetMs: number): string => new Date(now + offsetMs).toISOString();

const products = [
  { productId: 'p-espresso', name: 'Espresso beans 1 kg', price: 2490, currency: 'USD', stock: 42 },
  { productId: 'p-grinder', name: 'Burr grinder', price: 12900, currency: 'USD', stock: 3 },
  { productId: 'p-kettle', name: 'Gooseneck kettle', price: 6450, currency: 'USD', stock: 17 },
];

const confirmed = {
  orderId: '01JD3K9Z8Q4B7X2M5N6P0R1S2T', customerId: 'alice', status: 'CONFIRMED',
  lines: [{ productId: 'p-espresso', name: 'Espresso beans 1 kg', quantity: 2, unitPrice: 2490, lineTotal: 4980 }],
  total: { amount: 4980, currency: 'USD' },
  timeline: [
    { step: 'OrderCreated', outcome: 'SUCCEEDED', at: iso(-300_000) },
    { step: 'ValidateOrder', outcome: 'SUCCEEDED', at: iso(-299_700) },
    { step: 'ReserveInventory', outcome: 'SUCCEEDED', at: iso(-299_350) },
    { step: 'ChargePayment', outcome: 'SUCCEEDED', at: iso(-298_600) },
    { step: 'ConfirmOrder', outcome: 'SUCCEEDED', at: iso(-298_400) },
  ],
  createdAt: iso(-300_000), updatedAt: iso(-298_400),
};
const failed = {
  orderId: '01JD3KB1C2D3E4F5G6H7J8K9M0', customerId: 'alice', status: 'FAILED', failureReason: 'PAYMENT_DECLINED',
  lines: [{ productId: 'p-grinder', name: 'Burr grinder', quantity: 1, unitPrice: 12900, lineTotal: 12900 }],
  total: { amount: 12900, currency: 'USD' },
  timeline: [
    { step: 'OrderCreated', outcome: 'SUCCEEDED', at: iso(-120_000) },
    { step: 'ValidateOrder', outcome: 'SUCCEEDED', at: iso(-119_800) },
    { step: 'ReserveInventory', outcome: 'SUCCEEDED', at: iso(-119_500) },
    { step: 'ChargePayment', outcome: 'FAILED', at: iso(-118_900), detail: { reason: 'card_declined' } },
    { step: 'ReleaseInventory', outcome: 'SUCCEEDED', at: iso(-118_600) },
    { step: 'MarkOrderFailed', outcome: 'SUCCEEDED', at: iso(-118_500) },
  ],
  createdAt: iso(-120_000), updatedAt: iso(-118_500),
};
const pending = {
  orderId: '01JD3KC9X8W7V6T5S4R3Q2P1N0', customerId: 'alice', status: 'INVENTORY_RESERVED',
  lines: [{ productId: 'p-kettle', name: 'Gooseneck kettle', quantity: 1, unitPrice: 6450, lineTotal: 6450 }],
  total: { amount: 6450, currency: 'USD' },
  timeline: [{ step: 'OrderCreated', outcome: 'SUCCEEDED', at: iso(-5000) }, { step: 'ValidateOrder', outcome: 'SUCCEEDED', at: iso(-4000) }, { step: 'ReserveInventory', outcome: 'SUCCEEDED', at: iso(-3000) }],
  createdAt: iso(-5000), updatedAt: iso(-3000),
};
const orders = [pending, failed, confirmed];
const events = orders.flatMap((o, i) => [
  { id: `e${i}a`, source: 'orders.api', detailType: 'order.created', time: o.createdAt, detail: { orderId: o.orderId } },
  { id: `e${i}b`, source: 'orders.saga', detailType: o.status === 'CONFIRMED' ? 'order.confirmed' : o.status === 'FAILED' ? 'order.failed' : 'inventory.reserved', time: o.updatedAt, detail: { orderId: o.orderId } },
]);

const routes: Record<string, () => [number, unknown]> = {
  'GET /api/products': () => [200, { items: products }],
  'GET /api/orders': () => [200, { items: orders, nextCursor: null }],
  'GET /api/events': () => [200, { items: events, nextCursor: null }],
  'GET /api/webhooks': () => [200, { items: [{ id: 'wh_1', url: 'https://partner.example/hooks', eventTypes: ['order.confirmed'] }] }],
  'GET /api/webhooks/wh_1/deliveries': () => [200, { items: [{ id: 'd1', eventType: 'order.confirmed', orderId: confirmed.orderId, status: 200, attempt: 1, at: confirmed.updatedAt }] }],
  'GET /api/admin/dlqs': () => [200, { items: [{ name: 'send-email-dlq', depth: 0 }, { name: 'deliver-webhook-dlq', depth: 2 }] }],
  'GET /_local/queues': () => [200, { items: [{ name: 'send-email', depth: 0 }, { name: 'send-email-dlq', depth: 0 }, { name: 'deliver-webhook', depth: 1 }, { name: 'deliver-webhook-dlq', depth: 2 }] }],
  'GET /_local/functions': () => [200, { items: [{ name: 'charge-payment', fault: null }, { name: 'send-email', fault: { failNext: 2 } }, { name: 'generate-receipt', fault: null }] }],
  [`GET /api/orders/${confirmed.orderId}/receipt`]: () => [200, { url: 'data:application/pdf;base64,JVBERi0=', expiresAt: iso(900_000) }],
};

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};

export const devMock = (): Plugin => ({
  name: 'order-platform-dev-mock',
  configureServer(server) {
    server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith('/api') && !path.startsWith('/_local') && path !== '/config.json') return next();
      if (path === '/api/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': mock stream\n\n');
        return;
      }
      const route = routes[`${req.method} ${path}`];
      if (route) return send(res, ...route());
      const order = orders.find((o) => path === `/api/orders/${o.orderId}`);
      if (req.method === 'GET' && order) return send(res, 200, order);
      if (req.method === 'POST' && path === '/api/orders') return send(res, 201, { ...pending, orderId: '01JD3KNEW0000000000000000', status: 'PENDING' });
      if (req.method === 'POST' && path === '/api/webhooks') return send(res, 201, { id: 'wh_2', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    });
  },
});
