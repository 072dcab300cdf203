/**
 * A request id (the client's X-Request-Id when sane, else a new UUID) and a logger carrying it. The access
 * log line is written by the error handler, the one place that knows the final status.
 *
 * The request's logger is the process's Powertools Logger with `requestId` added to each line, not a child Logger
 * per request: `createChild` builds a whole Logger (options merged, the environment read again, a new Console) for
 * every request, about 3% of the API's CPU per POST even when nothing is logged (docs/decisions.md). The lines are
 * the same: `requestId` comes first after the standard keys, as a persistent key of a child did.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import type { Middleware } from 'koa';
import { randomUUID } from 'node:crypto';
import type { AppState } from '../types';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** What the API logs through while handling a request. */
export type RequestLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** The process's logger with the request's id on every line. */
export class RequestIdLogger implements RequestLogger {
  private readonly keys: { readonly requestId: string };

  constructor(
    private readonly logger: Logger,
    requestId: string,
  ) {
    this.keys = { requestId };
  }

  /**
   * The request's id first, then what the caller passed. Powertools takes the items in order whatever their kind (an
   * Error becomes `error`, a string `extra`, an object its keys); its type only lists an Error or a string alone.
   */
  private withId(extraInput: LogItemExtraInput): LogItemExtraInput {
    return [this.keys, ...extraInput] as LogItemExtraInput;
  }

  debug(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    this.logger.debug(input, ...this.withId(extraInput));
  }

  info(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    this.logger.info(input, ...this.withId(extraInput));
  }

  warn(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    this.logger.warn(input, ...this.withId(extraInput));
  }

  error(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    this.logger.error(input, ...this.withId(extraInput));
  }
}

export const requestContext =
  (logger: Logger): Middleware<AppState> =>
  async (ctx, next) => {
    const offered = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = new RequestIdLogger(logger, requestId);
    ctx.set('X-Request-Id', requestId);
    await next();
  };
