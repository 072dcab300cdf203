import { Logger } from '@aws-lambda-powertools/logger';
import { createApp } from '../app';
import { createAwsClients } from '../aws-clients';
import { loadConfig } from '../config';
import { ROUTE_DOCS } from '.';
import { buildOpenApiDocument } from './openapi';
import { openApiPath } from './route-doc';

type Operation = {
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  responses: Record<
    string,
    { content?: Record<string, { schema: { properties?: Record<string, unknown>; $ref?: string } }> }
  >;
};
const document = buildOpenApiDocument(ROUTE_DOCS);
const paths = document.paths as unknown as Record<string, Record<string, Operation>>;

/** Every route the composed app mounts, as `METHOD /openapi/{path}` (HEAD is koa-router's shadow of GET). */
const mountedRoutes = (): string[] => {
  const clients = createAwsClients({ dynamodb: { region: 'us-east-1' } });
  const composed = createApp({
    config: loadConfig({
      TABLE_NAME: 'local-orders',
      EVENT_BUS_NAME: 'local-orders',
      USER_POOL_ID: 'us-east-1_localdemo',
      USER_POOL_CLIENT_ID: 'client',
    }),
    clients,
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  const routes = composed.router.stack.flatMap((layer) =>
    layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${openApiPath(String(layer.path))}`),
  );
  composed.close();
  clients.destroy();
  return routes.sort();
};

const documentedRoutes = (): string[] =>
  Object.entries(paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

describe('/openapi.json, generated from the route descriptions', () => {
  it('documents every route the app mounts, and nothing it does not mount', () => {
    // act
    const mounted = mountedRoutes();
    // assess
    expect(mounted.length).toBeGreaterThan(20);
    expect(documentedRoutes()).toEqual(mounted);
  });

  it('names the path parameters of every templated path', () => {
    const missing = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        [...path.matchAll(/\{([^}]+)\}/g)]
          .map((match) => match[1])
          .filter(
            (name) =>
              !(operation.parameters ?? []).some((parameter) => parameter.in === 'path' && parameter.name === name),
          )
          .map((name) => `${method} ${path} {${name}}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('leaves exactly the public routes without the Cognito requirement', () => {
    const open = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => Array.isArray(operation.security) && operation.security.length === 0)
        .map(([method]) => `${method} ${path}`),
    );
    expect(open.sort()).toEqual([
      'get /asyncapi.json',
      'get /config.json',
      'get /health',
      'get /openapi.json',
      'get /ready',
      'post /webhooks/ingest/{partnerId}',
    ]);
  });

  it('references the shared components by name, as the dashboard types expect', () => {
    const page = paths['/api/orders']?.get?.responses['200']?.content?.['application/json']?.schema.properties?.items as
      | { items?: { $ref?: string } }
      | undefined;
    expect(Object.keys(document.components.schemas).sort()).toEqual([
      'CreateOrderRequest',
      'Error',
      'EventRecord',
      'Order',
      'Product',
      'PutProductRequest',
    ]);
    expect(page?.items?.$ref).toBe('#/components/schemas/Order');
    expect(paths['/api/orders/{id}']?.get?.responses['404']?.content?.['application/json']?.schema.$ref).toBe(
      '#/components/schemas/Error',
    );
  });

  it('describes the stream, the order activity and the admin stats with their response schemas', () => {
    expect(Object.keys(paths['/api/stream']?.get?.responses['200']?.content ?? {})).toEqual(['text/event-stream']);
    expect(
      Object.keys(
        paths['/api/orders/{id}/activity']?.get?.responses['200']?.content?.['application/json']?.schema.properties ??
          {},
      ),
    ).toEqual(['emails', 'deliveries']);
    expect(
      Object.keys(
        paths['/api/admin/stats']?.get?.responses['200']?.content?.['application/json']?.schema.properties ?? {},
      ),
    ).toEqual(['window', 'perMinute', 'completion']);
  });
});
