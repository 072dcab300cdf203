/**
 * The ONE place the caller is established. Until authentication lands it trusts the X-Customer-Id header and
 * treats `admin` as the admin; replacing this middleware with one that verifies a Cognito token and sets the
 * same `ctx.state.caller` is the whole change.
 */
import type { Middleware, ParameterizedContext } from 'koa';
import { ApiError } from '../errors';
import type { AppState, Caller } from '../types';

export const ADMIN_CUSTOMER_ID = 'admin';
/** Never contains '#', which the table's keys use as a separator. */
export const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const callerFromHeader = (): Middleware<AppState> => async (ctx, next) => {
  const header = ctx.get('x-customer-id');
  if (header !== '') {
    if (!CUSTOMER_ID.test(header)) throw new ApiError(400, 'INVALID_CUSTOMER_ID', 'X-Customer-Id must be 1-64 letters, digits, - or _');
    ctx.state.caller = { customerId: header, isAdmin: header === ADMIN_CUSTOMER_ID };
  }
  await next();
};

export const requireCaller = (ctx: ParameterizedContext<AppState>): Caller => {
  if (ctx.state.caller === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'name the caller with the X-Customer-Id header');
  return ctx.state.caller;
};

export const requireAdmin = (ctx: ParameterizedContext<AppState>): Caller => {
  const caller = requireCaller(ctx);
  if (!caller.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'this needs the admin caller');
  return caller;
};
