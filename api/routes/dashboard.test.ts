import { buildOpenApiDocument } from './openapi';

describe('the dashboard routes in /openapi.json', () => {
  it('describes the stream, the order activity and the admin stats with their response schemas', () => {
    const paths = buildOpenApiDocument().paths as unknown as Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> } }>;

    expect(Object.keys(paths['/api/stream']?.get.responses['200']?.content ?? {})).toEqual(['text/event-stream']);
    expect(Object.keys(paths['/api/orders/{id}/activity']?.get.responses['200']?.content?.['application/json']?.schema.properties ?? {})).toEqual(['emails', 'deliveries']);
    expect(Object.keys(paths['/api/admin/stats']?.get.responses['200']?.content?.['application/json']?.schema.properties ?? {})).toEqual(['window', 'perMinute', 'completion']);
  });
});
