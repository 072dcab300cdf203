/**
 * The one error middleware, first in the chain: every failure becomes `{"error":{"code","message","details"}}`.
 * It maps by class, not by a list: any PlatformError (core/errors.ts) with an HTTP status answers that status, its
 * code, its public message and details; one without a status, or anything unknown, is a 500 whose message is not
 * exposed, unless it is (or was caused by) a dependency that is unreachable, throttling or failing on its side:
 * that is a 503 DEPENDENCY_UNAVAILABLE with Retry-After (./dependency-errors.ts), the client's to retry. It also
 * writes the access log line, since only here is the final status known.
 */
import type { Middleware } from 'koa';
import { PlatformError } from '../../core/errors';
import type { ErrorDetail } from '../../core/errors';
import { ApiError } from '../errors';
import { DEPENDENCY_RETRY_AFTER_SECONDS, isDependencyFailure } from './dependency-errors';
import type { AppState } from '../types';

interface Answer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
}

const INTERNAL: Answer = { status: 500, code: 'INTERNAL', message: 'internal error' };
const DEPENDENCY_UNAVAILABLE: Answer = {
  status: 503,
  code: 'DEPENDENCY_UNAVAILABLE',
  message: 'a service the API depends on is unavailable; retry later',
};

/** The answer an error carries, or undefined when it carries none (then it is a 500 and logged). */
export const answerOf = (error: unknown): Answer | undefined => {
  if (error instanceof PlatformError) {
    if (error.httpStatus === undefined) return undefined;
    return {
      status: error.httpStatus,
      code: error.code,
      message: error.publicMessage,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  // Errors of Node and Koa, which are not ours to subclass: a bad percent-encoding and koa's 4xx HttpErrors.
  if (error instanceof URIError)
    return { status: 400, code: 'MALFORMED_URL', message: 'the URL is not validly percent-encoded' };
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { status, code: 'BAD_REQUEST', message: (error as Error).message };
  return undefined;
};

export const errorHandler = (): Middleware<AppState> => async (ctx, next) => {
  const started = performance.now();
  try {
    await next();
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405)
        throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`);
      if (ctx.status === 501) throw new ApiError(501, 'NOT_IMPLEMENTED', `${ctx.method} is not implemented`);
    }
  } catch (error) {
    const known = answerOf(error);
    const dependency = known === undefined && isDependencyFailure(error);
    if (known === undefined)
      ctx.state.logger?.error(dependency ? 'a dependency failed' : 'request failed', error as Error);
    const answer = known ?? (dependency ? DEPENDENCY_UNAVAILABLE : INTERNAL);
    ctx.status = answer.status;
    if (dependency) ctx.set('Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS));
    ctx.body = {
      error: {
        code: answer.code,
        message: answer.message,
        ...(answer.details === undefined ? {} : { details: answer.details }),
      },
    };
  } finally {
    ctx.state.logger?.info('request', {
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
  }
};
