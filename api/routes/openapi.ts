/**
 * OpenAPI 3.1, generated from the same zod schemas that validate the requests (JSON Schema draft 2020-12 is
 * OpenAPI 3.1's schema dialect).
 */
import { z } from 'zod';
import {
  CreateOrderRequestSchema,
  ErrorResponseSchema,
  EventRecordSchema,
  OrderResponseSchema,
  ProductResponseSchema,
  PutProductRequestSchema,
} from '../../core/domain/schemas';
import { RegisterWebhookRequestSchema } from '../../core/webhooks/registration';
import { dashboardOpenApiPaths } from './dashboard';
import { postOrderOpenApiPaths } from './post-order';
import { traceOpenApiPaths } from './traces';

const schema = (zodSchema: z.ZodType, io: 'input' | 'output') => {
  const json = z.toJSONSchema(zodSchema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  delete json.id;
  return json;
};

const json = (body: Record<string, unknown>) => ({ content: { 'application/json': { schema: body } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const page = (item: string) => ({ type: 'object', properties: { items: { type: 'array', items: ref(item) }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'] });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const pageParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];

export const buildOpenApiDocument = () => ({
  openapi: '3.1.0',
  info: { title: 'Order platform API', version: '0.1.0' },
  components: {
    schemas: {
      CreateOrderRequest: schema(CreateOrderRequestSchema, 'input'),
      PutProductRequest: schema(PutProductRequestSchema, 'input'),
      Order: schema(OrderResponseSchema, 'output'),
      Product: schema(ProductResponseSchema, 'output'),
      EventRecord: schema(EventRecordSchema, 'output'),
      Error: schema(ErrorResponseSchema, 'output'),
    },
    securitySchemes: {
      cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito ID token of the user pool in /config.json; the customer is its sub, the group admin is the admin. 401 without or with an invalid token.' },
    },
  },
  security: [{ cognito: [] }],
  paths: {
    '/api/orders': {
      post: {
        summary: 'Place an order (idempotent per caller and Idempotency-Key)',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
        requestBody: { required: true, ...json(ref('CreateOrderRequest')) },
        responses: {
          '201': { description: 'created', ...json(ref('Order')) },
          '200': { description: 'a replay: the original order, nothing created', ...json(ref('Order')) },
          '400': error('invalid input, malformed JSON or a missing Idempotency-Key'),
          '413': error('body over 256 KB'),
          '415': error('not application/json'),
          '422': error('the Idempotency-Key was used with a different body'),
        },
      },
      get: {
        summary: "The caller's orders, newest first (the admin may filter by status)",
        parameters: [...pageParams, { name: 'status', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'a page', ...json(page('Order')) }, '400': error('invalid query') },
      },
    },
    '/api/orders/{id}': {
      get: {
        summary: 'One order of the caller',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the order', ...json(ref('Order')) }, '404': error('no such order for this caller') },
      },
    },
    '/api/products': {
      get: { summary: 'The catalog', parameters: pageParams, responses: { '200': { description: 'a page', ...json(page('Product')) } } },
    },
    '/api/products/{id}': {
      put: {
        summary: 'Create or replace a product (admin)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, ...json(ref('PutProductRequest')) },
        responses: { '200': { description: 'the product', ...json(ref('Product')) }, '400': error('invalid input'), '403': error('not the admin') },
      },
    },
    '/api/events': {
      get: {
        summary: 'Events that crossed the bus, newest first (admin)',
        parameters: [...pageParams],
        responses: { '200': { description: 'a page', ...json(page('EventRecord')) }, '403': error('not the admin') },
      },
    },
    ...postOrderOpenApiPaths(schema(RegisterWebhookRequestSchema, 'input')),
    ...traceOpenApiPaths(),
    ...dashboardOpenApiPaths(),
    '/health': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'ok' } } } },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
    '/config.json': { get: { summary: 'Where the dashboard signs in: {region, userPoolId, userPoolClientId, cognitoEndpoint}', security: [], responses: { '200': { description: 'the Cognito settings' } } } },
  },
});
