/**
 * A request id (the client's X-Request-Id when sane, else a new UUID) and a child logger carrying it. The access
 * log line is written by the error handler, the one place that knows the final status.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Middleware } from 'koa';
import { randomUUID } from 'node:crypto';
import type { AppState } from '../types';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export const requestContext =
  (logger: Logger): Middleware<AppState> =>
  async (ctx, next) => {
    const offered = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.createChild({ persistentKeys: { requestId } });
    ctx.set('X-Request-Id', requestId);
    await next();
  };
