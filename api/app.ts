/**
 * The Koa application: error handler first, then request context (request id, logger), the caller, the routes.
 * Dependencies come in from the composition root (api/server.ts) or a test.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import Koa from 'koa';
import { ulid } from 'ulid';
import type { EventPublisher } from '../core/orders/ports';
import { OrderService } from '../core/orders/order-service';
import type { DynamoOrderStore } from '../core/store/dynamo-order-store';
import { callerFromHeader } from './middleware/caller';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { apiRouter } from './routes/api-router';
import type { AppState } from './types';

export interface AppDeps {
  readonly store: DynamoOrderStore;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly idempotencyTtlSeconds?: number;
}

export const createApp = (deps: AppDeps): Koa<AppState> => {
  const now = deps.now ?? (() => new Date());
  const service = new OrderService({
    store: deps.store,
    publisher: deps.publisher,
    log: deps.logger,
    now,
    newId: deps.newId ?? (() => ulid()),
    ...(deps.idempotencyTtlSeconds === undefined ? {} : { idempotencyTtlSeconds: deps.idempotencyTtlSeconds }),
  });
  const app = new Koa<AppState>({ proxy: false });
  app.silent = true;
  const router = apiRouter({ service, store: deps.store, now });
  app.use(errorHandler());
  app.use(requestContext(deps.logger));
  app.use(callerFromHeader());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
};
