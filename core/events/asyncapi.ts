/**
 * The AsyncAPI 3.0 document of the platform's events (GET /asyncapi.json), generated from the resource description
 * (the bus, its rules, their queues and the functions consuming them) and the event contracts — nothing in it is
 * written by hand but the frame, so it cannot disagree with what is deployed. Channels: the bus, where every event
 * is sent, and each rule's queue, from which a function receives the events the rule matches.
 *
 * Which events a rule delivers is decided by `ruleMatches`, which understands exactly the pattern forms the
 * description uses (exact strings, `prefix`, `anything-but` of strings, and `resources` holding a publisher's routing
 * mark) and throws on any other, so a new form cannot be misreported; asyncapi.test.ts checks it against the local
 * cloud's full EventBridge matcher.
 */
import { buses, queues, rules, WEBHOOK_SUBSCRIBERS_MARK } from '../platform/resources';
import type { EventPattern, QueueSpec, RuleSpec } from '../platform/resources';
import { contractJsonSchema, EVENT_CONTRACTS } from './contracts';
import type { EventContract } from './contracts';

export const ASYNCAPI_VERSION = '3.0.0';
/** The document's own version: the platform's (package.json). */
export const ASYNCAPI_INFO = { version: '0.1.0' } as const;

/** The message key of a contract in components.messages. */
export const messageKey = (contract: EventContract): string =>
  contract.source.startsWith('partner.') ? 'partner-event' : contract.type;

const matchesValue = (condition: unknown, value: string): boolean => {
  if (typeof condition === 'string') return condition === value;
  const single = typeof condition === 'object' && condition !== null && Object.keys(condition).length === 1;
  if (single && typeof (condition as { prefix?: unknown }).prefix === 'string')
    return value.startsWith((condition as { prefix: string }).prefix);
  const excluded = single ? (condition as { 'anything-but'?: unknown })['anything-but'] : undefined;
  if (typeof excluded === 'string') return value !== excluded;
  if (Array.isArray(excluded) && excluded.every((item) => typeof item === 'string')) return !excluded.includes(value);
  throw new Error(`asyncapi: pattern condition ${JSON.stringify(condition)} is not understood; extend ruleMatches`);
};

/**
 * Does the rule's pattern match events of this contract? Partner events have a source and type chosen at run
 * time, so they are matched by their source prefix `partner.` and any type. A `resources` condition on the routing
 * mark (core/webhooks/fan-out-routing.ts) matches the contract's events the publisher marks, some of them: the
 * platform's own events, never a partner's.
 */
export const ruleMatches = (pattern: EventPattern, contract: EventContract): boolean =>
  Object.entries(pattern).every(([field, conditions]) => {
    if (!Array.isArray(conditions))
      throw new Error(`asyncapi: pattern field ${field} (nested) is not understood; extend ruleMatches`);
    const partner = contract.source.startsWith('partner.');
    if (field === 'resources') {
      if (conditions.length !== 1 || conditions[0] !== WEBHOOK_SUBSCRIBERS_MARK)
        throw new Error(`asyncapi: resources ${JSON.stringify(conditions)} is not understood; extend ruleMatches`);
      return !partner;
    }
    if (field !== 'source' && field !== 'detail-type')
      throw new Error(`asyncapi: pattern field ${field} is not understood; extend ruleMatches`);
    if (partner && field === 'detail-type') return true;
    const value = field === 'source' ? (partner ? 'partner.' : contract.source) : contract.type;
    return conditions.some((condition) =>
      partner && typeof condition === 'string' ? condition.startsWith('partner.') : matchesValue(condition, value),
    );
  });

interface Consumer {
  readonly rule: RuleSpec;
  readonly queue: QueueSpec;
  readonly contracts: readonly EventContract[];
}

/** Every (rule, queue) pair fed from the bus, with the contracts the rule delivers. */
export const eventConsumers = (): readonly Consumer[] =>
  (rules as readonly RuleSpec[]).flatMap((rule) => {
    const pattern = rule.eventPattern;
    if (pattern === undefined) return [];
    const contracts = EVENT_CONTRACTS.filter((contract) => ruleMatches(pattern, contract));
    return rule.targets.flatMap((target) => {
      if (target.kind !== 'sqs') return [];
      const queue = queues.find((candidate) => candidate.name === target.queue);
      return queue === undefined ? [] : [{ rule, queue: queue as QueueSpec, contracts }];
    });
  });

const ref = (path: string): { $ref: string } => ({ $ref: path });

/** The whole AsyncAPI 3.0 document. */
export const asyncApiDocument = (info: { readonly version: string }): Record<string, unknown> => {
  const bus = buses[0].name;
  const consumers = eventConsumers();
  const messages = Object.fromEntries(
    EVENT_CONTRACTS.map((contract) => [
      messageKey(contract),
      {
        name: messageKey(contract),
        title: `${contract.type} v${contract.version}`,
        summary: contract.summary,
        contentType: 'application/json',
        payload: {
          schemaFormat: 'application/schema+json;version=draft-07',
          schema: contractJsonSchema(contract),
        },
        examples: [{ name: 'as-published', payload: contract.example }],
        'x-event-version': contract.version,
        'x-source': contract.source,
        'x-producer': contract.producer,
        'x-consumers': consumers
          .filter((consumer) => consumer.contracts.includes(contract))
          .map((consumer) => ({
            rule: consumer.rule.name,
            queue: consumer.queue.name,
            function: consumer.queue.consumer?.function ?? null,
          })),
      },
    ]),
  );
  const messageRefs = (contracts: readonly EventContract[]) =>
    Object.fromEntries(
      contracts.map((contract) => [messageKey(contract), ref(`#/components/messages/${messageKey(contract)}`)]),
    );
  const channels: Record<string, unknown> = {
    bus: {
      address: bus,
      title: `EventBridge bus "${bus}"`,
      description: `Every event is put on the bus; its archive keeps them ${buses[0].archiveRetentionDays} days for replay.`,
      messages: messageRefs(EVENT_CONTRACTS),
    },
  };
  const operations: Record<string, unknown> = {};
  for (const contract of EVENT_CONTRACTS) {
    operations[`publish-${messageKey(contract)}`] = {
      action: 'send',
      title: `${contract.producer} publishes ${contract.type}`,
      channel: ref('#/channels/bus'),
      messages: [ref(`#/channels/bus/messages/${messageKey(contract)}`)],
    };
  }
  for (const consumer of consumers) {
    if (consumer.contracts.length === 0) continue;
    channels[consumer.queue.name] = {
      address: consumer.queue.name,
      title: `SQS queue "${consumer.queue.name}"`,
      description: `${consumer.queue.description}. Fed by rule ${consumer.rule.name}: ${consumer.rule.description}.`,
      messages: messageRefs(consumer.contracts),
    };
    operations[`consume-${consumer.queue.name}`] = {
      action: 'receive',
      title: `${consumer.queue.consumer?.function ?? 'nobody'} receives from ${consumer.queue.name}`,
      summary: consumer.rule.description,
      channel: ref(`#/channels/${consumer.queue.name}`),
      messages: consumer.contracts.map((contract) =>
        ref(`#/channels/${consumer.queue.name}/messages/${messageKey(contract)}`),
      ),
      'x-rule': consumer.rule.name,
      'x-event-pattern': consumer.rule.eventPattern,
      'x-dead-letter-queue': `${consumer.queue.name}-dlq`,
    };
  }
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: 'Order platform events',
      version: info.version,
      description:
        'Events the order platform publishes on its EventBridge bus and the consumers each reaches. Evolution rules: docs/events.md.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
};
