/**
 * The one error middleware, first in the chain: every failure becomes `{"error":{"code","message","details"}}`.
 * Domain errors map to 4xx; anything unknown is a 500 whose message is not exposed. It also writes the access log
 * line, since only here is the final status known.
 */
import type { Middleware } from 'koa';
import { OrderValidationError } from '../../core/domain/order';
import { IdempotencyKeyConflictError, OrderNotFoundError, PaginationCursorInvalidError } from '../../core/orders/errors';
import { ApiError } from '../errors';
import type { AppState } from '../types';

const toApiError = (error: unknown): ApiError | undefined => {
  if (error instanceof ApiError) return error;
  if (error instanceof OrderValidationError) return new ApiError(400, 'VALIDATION_FAILED', 'the order is invalid', error.violations);
  if (error instanceof IdempotencyKeyConflictError) return new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', error.message);
  if (error instanceof PaginationCursorInvalidError) return new ApiError(400, 'INVALID_CURSOR', error.message);
  if (error instanceof OrderNotFoundError) return new ApiError(404, 'NOT_FOUND', error.message);
  if (error instanceof URIError) return new ApiError(400, 'MALFORMED_URL', 'the URL is not validly percent-encoded');
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, 'BAD_REQUEST', (error as Error).message);
  return undefined;
};

export const errorHandler = (): Middleware<AppState> => async (ctx, next) => {
  const started = performance.now();
  try {
    await next();
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`);
      if (ctx.status === 501) throw new ApiError(501, 'NOT_IMPLEMENTED', `${ctx.method} is not implemented`);
    }
  } catch (error) {
    const known = toApiError(error);
    const apiError = known ?? new ApiError(500, 'INTERNAL', 'internal error', undefined, { cause: error });
    if (known === undefined) ctx.state.logger?.error('request failed', error as Error);
    ctx.status = apiError.status;
    ctx.body = { error: { code: apiError.code, message: apiError.message, ...(apiError.details === undefined ? {} : { details: apiError.details }) } };
  } finally {
    ctx.state.logger?.info('request', { method: ctx.method, path: ctx.path, status: ctx.status, durationMs: Math.round((performance.now() - started) * 10) / 10 });
  }
};
