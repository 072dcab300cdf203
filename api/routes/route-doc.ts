/**
 * A route's contract as data: method, path, the zod schemas of its parameters, body and answers. Each resource
 * router registers its routes through `on(router, doc, handler)`, so no route exists without its description, and
 * api/routes/openapi.ts turns every description into /openapi.json. One source for validation and documentation.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { ORDER_ID_PATTERN } from '../../core/domain/ids';
import { ErrorResponseSchema } from '../../core/domain/schemas';
import type { AppState } from '../types';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface ResponseDoc {
  readonly description: string;
  /** The JSON body (ErrorResponseSchema for an error); absent for an empty answer. */
  readonly body?: z.ZodType;
  /** Another media type than application/json (text/event-stream); its body is a string. */
  readonly contentType?: string;
}

export interface RouteDoc {
  readonly method: HttpMethod;
  /** The koa path (`/api/orders/:id`); OpenAPI's `{id}` is derived from it. */
  readonly path: string;
  readonly summary: string;
  /** True when no Cognito token is needed (/health, /openapi.json, /config.json, partner ingestion). */
  readonly public?: boolean;
  /** True when only the admin group may call it (a customer gets 403); api/authorisation.int.test.ts holds every such route to it. */
  readonly admin?: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly headers?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
}

/** Registers `handler` for the route `doc` describes. */
export const on = (router: Router<AppState>, doc: RouteDoc, handler: Middleware<AppState>): void => {
  router[doc.method](doc.path, handler as never);
};

/** `/api/orders/:id/receipt` -> `/api/orders/{id}/receipt`. */
export const openApiPath = (koaPath: string): string => koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** An error answer of the route: the common `{error: {code, message, details?}}` body. */
export const errorAnswer = (description: string): ResponseDoc => ({ description, body: ErrorResponseSchema });

/** A page of a list endpoint: `{items, nextCursor}`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The `:id` of a route whose id is an order's or webhook's ULID. */
export const IdParams = z.object({ id: z.string() });
/** ULIDs, as the API issues order and webhook ids: the one rule of core/domain/ids.ts. */
export const UlidSchema = z.string().regex(ORDER_ID_PATTERN);
