/**
 * The event catalog page's reading of GET /asyncapi.json (core/events/asyncapi.ts): one entry per message with its
 * version, producer, example and the rules, queues and functions that consume it. Pure, so it is tested on the
 * committed document (docs/events/asyncapi.json) the API serves.
 */

export interface CatalogConsumer {
  readonly rule: string;
  readonly queue: string;
  readonly function: string | null;
}

export interface CatalogEntry {
  readonly key: string;
  readonly title: string;
  readonly version: number;
  readonly source: string;
  readonly summary: string;
  readonly producer: string;
  readonly consumers: readonly CatalogConsumer[];
  readonly example: unknown;
  readonly schema: unknown;
}

/** The part of an AsyncAPI 3.0 document the page reads; anything else in it is ignored. */
export interface AsyncApiDocument {
  readonly asyncapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly components?: { readonly messages?: Readonly<Record<string, AsyncApiMessage>> };
}

interface AsyncApiMessage {
  readonly title?: string;
  readonly summary?: string;
  readonly payload?: { readonly schema?: unknown };
  readonly examples?: readonly { readonly payload?: unknown }[];
  readonly 'x-event-version'?: number;
  readonly 'x-source'?: string;
  readonly 'x-producer'?: string;
  readonly 'x-consumers'?: readonly CatalogConsumer[];
}

/** The catalog's entries, in the document's order. */
export const catalogEntries = (document: AsyncApiDocument): CatalogEntry[] =>
  Object.entries(document.components?.messages ?? {}).map(([key, message]) => ({
    key,
    title: message.title ?? key,
    version: message['x-event-version'] ?? 1,
    source: message['x-source'] ?? '',
    summary: message.summary ?? '',
    producer: message['x-producer'] ?? '',
    consumers: message['x-consumers'] ?? [],
    example: message.examples?.[0]?.payload,
    schema: message.payload?.schema,
  }));
