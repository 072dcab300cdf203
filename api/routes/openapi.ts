/**
 * GET /openapi.json: OpenAPI 3.1 generated from the route descriptions of every resource router (./route-doc.ts),
 * whose zod schemas are the ones that validate the requests (JSON Schema draft 2020-12 is OpenAPI 3.1's dialect).
 * Nothing here is written by hand but the document's frame; a test fails when a mounted route is missing.
 */
import Router from '@koa/router';
import { z } from 'zod';
import {
  CreateOrderRequestSchema,
  ErrorResponseSchema,
  EventRecordSchema,
  OrderResponseSchema,
  ProductResponseSchema,
  PutProductRequestSchema,
} from '../../core/domain/schemas';
import type { AppState } from '../types';
import { openApiPath, on } from './route-doc';
import type { RouteDoc } from './route-doc';

/** Schemas shown once under components and referenced by name (the dashboard's types use these names). */
const COMPONENTS: readonly (readonly [string, z.ZodType, 'input' | 'output'])[] = [
  ['CreateOrderRequest', CreateOrderRequestSchema, 'input'],
  ['PutProductRequest', PutProductRequestSchema, 'input'],
  ['Order', OrderResponseSchema, 'output'],
  ['Product', ProductResponseSchema, 'output'],
  ['EventRecord', EventRecordSchema, 'output'],
  ['Error', ErrorResponseSchema, 'output'],
];

const jsonSchema = (zodSchema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const component = COMPONENTS.find(([, candidate]) => candidate === zodSchema);
  if (component !== undefined) return { $ref: `#/components/schemas/${component[0]}` };
  const json = z.toJSONSchema(zodSchema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    // A component nested in another schema (a page of orders) is referenced too, not repeated.
    override: (context) => {
      const current: unknown = context.zodSchema;
      const nested = COMPONENTS.find(([, candidate]) => candidate === current);
      if (nested !== undefined && current !== zodSchema) {
        for (const key of Object.keys(context.jsonSchema)) delete (context.jsonSchema as Record<string, unknown>)[key];
        Object.assign(context.jsonSchema, { $ref: `#/components/schemas/${nested[0]}` });
      }
    },
  }) as Record<string, unknown>;
  delete json.$schema;
  delete json.id;
  return json;
};

const parameters = (where: 'path' | 'query' | 'header', shape: z.ZodObject | undefined) =>
  Object.entries(shape?.shape ?? {}).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, 'input');
    const { description, ...rest } = schema;
    const array = rest.type === 'array';
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
      ...(array ? { style: 'form', explode: true } : {}),
    };
  });

const operation = (doc: RouteDoc) => {
  const params = [
    ...parameters('path', doc.params),
    ...parameters('query', doc.query),
    ...parameters('header', doc.headers),
  ];
  return {
    summary: doc.summary,
    ...(doc.public === true ? { security: [] } : {}),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(doc.body === undefined
      ? {}
      : {
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } },
        }),
    responses: Object.fromEntries(
      Object.entries(doc.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.body === undefined
            ? {}
            : {
                content: {
                  [response.contentType ?? 'application/json']: { schema: jsonSchema(response.body, 'output') },
                },
              }),
        },
      ]),
    ),
  };
};

/** The OpenAPI 3.1 document of `routes`, in their order. */
export const buildOpenApiDocument = (routes: readonly RouteDoc[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of routes) {
    const path = openApiPath(doc.path);
    paths[path] = { ...paths[path], [doc.method]: operation(doc) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Order platform API', version: '0.1.0' },
    components: {
      schemas: Object.fromEntries(
        COMPONENTS.map(([name, schema, io]) => {
          const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
            string,
            unknown
          >;
          delete json.$schema;
          delete json.id;
          return [name, json];
        }),
      ),
      securitySchemes: {
        cognito: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token of the user pool in /config.json; the customer is its sub, the group admin is the admin. 401 without or with an invalid token.',
        },
      },
    },
    security: [{ cognito: [] }],
    paths,
  };
};

export const OPENAPI_ROUTE: RouteDoc = {
  method: 'get',
  path: '/openapi.json',
  summary: 'This document',
  public: true,
  responses: { 200: { description: 'OpenAPI 3.1' } },
};

/** Serves the document of `routes` (every route the app mounts, this one included). */
export const openApiRouter = (routes: () => readonly RouteDoc[]): Router<AppState> => {
  const router = new Router<AppState>();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  on(router, OPENAPI_ROUTE, (ctx) => {
    document ??= buildOpenApiDocument(routes());
    ctx.body = document;
  });
  return router;
};
