/**
 * The one typed client of the platform API. Every page goes through it, so the transport, the identity
 * headers and the error shape are decided here once.
 */
import type { AsyncApiDocument } from './event-catalog';
import type {
  AdminStats,
  ApiErrorBody,
  ClientConfig,
  DeadLetterQueue,
  DeliveryLog,
  DeliveryResent,
  EventsPage,
  FaultInput,
  LocalFunction,
  LocalQueue,
  LoyaltyAccount,
  Money,
  NewOrder,
  Order,
  OrderActivity,
  OrderFilter,
  OrdersPage,
  Product,
  ProductInput,
  ProductsPage,
  Receipt,
  Replay,
  ReplayList,
  ReplayRequest,
  Trace,
  Webhook,
  WebhookCreated,
  WebhookInput,
  WebhookList,
} from './types';

/** The API answered with an error status. `unavailable` marks an endpoint that does not exist (yet). */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiRequestError';
  }

  get unavailable(): boolean {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }
}

/** The API could not be reached at all. */
export class ApiNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiNetworkError';
  }
}

/** Supplies the identity headers of the signed-in caller (the auth store). */
export type HeaderProvider = () => Record<string, string>;

/**
 * Called when the API refuses the session's token (401 INVALID_TOKEN or TOKEN_EXPIRED: it expired, or the
 * identity provider restarted). Answers true when it renewed the session, so the request is sent once more with
 * the new headers; false when the caller must sign in again.
 */
export type SessionRejectedHandler = () => Promise<boolean>;

/** The 401 codes that mean "this token is no good any more", as opposed to "no token sent". */
export const SESSION_REJECTED_CODES: readonly string[] = ['INVALID_TOKEN', 'TOKEN_EXPIRED'];

export interface ApiClientOptions {
  baseUrl?: string;
  headers?: HeaderProvider;
  fetch?: typeof fetch;
  onSessionRejected?: SessionRejectedHandler;
}

const isErrorBody = (body: unknown): body is ApiErrorBody =>
  typeof body === 'object' &&
  body !== null &&
  'error' in body &&
  typeof (body as { error: unknown }).error === 'object' &&
  (body as { error: unknown }).error !== null;

const query = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** Builds the client. Pages use the shared instance from `useApi()` (composables/use-api.ts). */
export const createApiClient = (options: ApiClientOptions = {}) => {
  const baseUrl = options.baseUrl ?? '';
  const headerProvider: HeaderProvider = options.headers ?? (() => ({}));
  const doFetch = (...args: Parameters<typeof fetch>) => (options.fetch ?? globalThis.fetch)(...args);

  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> => {
    try {
      return await send<T>(method, path, body, extraHeaders);
    } catch (error) {
      const rejected =
        error instanceof ApiRequestError && error.status === 401 && SESSION_REJECTED_CODES.includes(error.code);
      if (!rejected || !options.onSessionRejected || !(await options.onSessionRejected())) throw error;
      return send<T>(method, path, body, extraHeaders);
    }
  };

  const send = async <T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', ...headerProvider(), ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new ApiNetworkError(`${method} ${path} could not reach the API`, { cause });
    }
    const text = await response.text();
    let parsed: unknown;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        if (response.ok)
          throw new ApiRequestError(
            `${method} ${path} answered a body that is not JSON`,
            response.status,
            'INVALID_RESPONSE',
            undefined,
            { cause },
          );
      }
    }
    if (!response.ok) {
      if (isErrorBody(parsed)) {
        throw new ApiRequestError(parsed.error.message, response.status, parsed.error.code, parsed.error.details);
      }
      const flat = parsed as { error?: unknown; message?: unknown } | undefined;
      if (typeof flat?.error === 'string' && typeof flat.message === 'string') {
        throw new ApiRequestError(flat.message, response.status, flat.error);
      }
      throw new ApiRequestError(
        `${method} ${path} answered ${response.status}`,
        response.status,
        `HTTP_${response.status}`,
      );
    }
    return parsed as T;
  };

  const enc = encodeURIComponent;
  return {
    request,
    config: () => request<ClientConfig>('GET', '/config.json'),
    listProducts: () => request<ProductsPage>('GET', '/api/products?limit=100'),
    putProduct: (id: string, input: ProductInput) => request<Product>('PUT', `/api/products/${enc(id)}`, input),
    createOrder: (order: NewOrder, idempotencyKey: string) =>
      request<Order>('POST', '/api/orders', order, { 'idempotency-key': idempotencyKey }),
    /** The caller's orders; the admin's are everyone's, narrowed by `filter` (the API refuses a filter from a customer). */
    listOrders: (cursor?: string, filter: OrderFilter = {}) =>
      request<OrdersPage>('GET', `/api/orders${query({ ...filter, cursor })}`),
    getOrder: (id: string) => request<Order>('GET', `/api/orders/${enc(id)}`),
    getReceipt: (id: string) => request<Receipt>('GET', `/api/orders/${enc(id)}/receipt`),
    getTrace: (id: string) => request<Trace>('GET', `/api/orders/${enc(id)}/trace`),
    getActivity: (id: string) => request<OrderActivity>('GET', `/api/orders/${enc(id)}/activity`),
    listEvents: (cursor?: string) => request<EventsPage>('GET', `/api/events${query({ cursor })}`),
    eventCatalog: () => request<AsyncApiDocument>('GET', '/asyncapi.json'),
    stats: (minutes = 60) => request<AdminStats>('GET', `/api/admin/stats?minutes=${minutes}`),
    createWebhook: (input: WebhookInput) => request<WebhookCreated>('POST', '/api/webhooks', input),
    listWebhooks: () => request<WebhookList>('GET', '/api/webhooks'),
    getWebhook: (id: string) => request<Webhook>('GET', `/api/webhooks/${enc(id)}`),
    deleteWebhook: (id: string) => request<void>('DELETE', `/api/webhooks/${enc(id)}`),
    listDeliveries: (id: string) => request<DeliveryLog>('GET', `/api/webhooks/${enc(id)}/deliveries`),
    enableWebhook: (id: string) => request<Webhook>('POST', `/api/webhooks/${enc(id)}/enable`),
    resendDelivery: (id: string, deliveryId: string) =>
      request<DeliveryResent>('POST', `/api/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/resend`),
    listDlqs: () => request<{ items: DeadLetterQueue[] }>('GET', '/api/admin/dlqs'),
    redrive: (name: string) =>
      request<{ name: string; queueName: string; taskHandle: string }>('POST', `/api/admin/dlqs/${enc(name)}/redrive`),
    /** The caller's own loyalty points. */
    loyalty: () => request<LoyaltyAccount>('GET', '/api/loyalty'),
    startReplay: (replay: ReplayRequest) => request<Replay>('POST', '/api/admin/replays', replay),
    listReplays: () => request<ReplayList>('GET', '/api/admin/replays'),
    getReplay: (name: string) => request<Replay>('GET', `/api/admin/replays/${enc(name)}`),
    retryOrder: (id: string) =>
      request<{ orderId: string; executionName: string }>('POST', `/api/admin/orders/${enc(id)}/retry`),
  };
};

/**
 * The local cloud's control plane (`localControlPlane` of /config.json, only in local mode). It is another origin
 * (the edge), which answers CORS for http://127.0.0.1:* pages; it needs no identity.
 */
export const createLocalClient = (base: string, options: Pick<ApiClientOptions, 'fetch'> = {}) => {
  const { request } = createApiClient({ baseUrl: base.replace(/\/+$/, ''), fetch: options.fetch });
  return {
    functions: () => request<{ functions: LocalFunction[] }>('GET', '/functions'),
    queues: () => request<{ queues: LocalQueue[] }>('GET', '/queues'),
    /** The faults in force (GET /_local/faults), so the panel shows them after navigation or a reload. */
    faults: () => request<{ faults: FaultInput[] }>('GET', '/faults'),
    setFault: (fault: FaultInput) => request<{ function: string }>('POST', '/faults', fault),
    clearFaults: (fn?: string) => request<{ cleared: string }>('DELETE', `/faults${query({ function: fn })}`),
  };
};

export type LocalClient = ReturnType<typeof createLocalClient>;

export type ApiClient = ReturnType<typeof createApiClient>;

/** Formats Money (integer minor units) for people: {amount: 1999, currency: 'USD'} -> "$19.99". */
export const formatMoney = (money: Money | undefined | null): string => {
  if (!money) return '';
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency }).format(money.amount / 100);
  } catch {
    return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
  }
};

/** A fresh Idempotency-Key per submitted form (a retry of the same submission reuses it). */
export const newIdempotencyKey = (): string => crypto.randomUUID();
