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

/** The part of an AsyncAPI 3.0 document the dashboard reads; anything else in it is ignored. */
export interface AsyncApiDocument {
  readonly asyncapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly operations?: Readonly<Record<string, AsyncApiOperation>>;
  readonly components?: { readonly messages?: Readonly<Record<string, AsyncApiMessage>> };
}

/** A receive operation names the rule that feeds its queue (`x-rule`). */
interface AsyncApiOperation {
  readonly action?: string;
  readonly summary?: string;
  readonly 'x-rule'?: string;
}

/** A rule of the bus a replay can be aimed at, with what it delivers. */
export interface ReplayTarget {
  readonly rule: string;
  readonly summary: string;
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

/**
 * The rules a replay can be aimed at: the rule of every receive operation, i.e. every rule that feeds a consumer's
 * queue from the bus (a consumer added with `npm run new:consumer` appears here with no change to the dashboard).
 */
export const replayTargets = (document: AsyncApiDocument): ReplayTarget[] => {
  const targets = new Map<string, string>();
  for (const operation of Object.values(document.operations ?? {})) {
    const rule = operation['x-rule'];
    if (operation.action === 'receive' && rule !== undefined && !targets.has(rule))
      targets.set(rule, operation.summary ?? '');
  }
  return [...targets].map(([rule, summary]) => ({ rule, summary })).sort((a, b) => a.rule.localeCompare(b.rule));
};
