/**
 * The AsyncAPI document: valid AsyncAPI 3.0 (the official JSON Schema from @asyncapi/specs), one message per
 * contract with its version, schema and example, and consumers that agree with the rules as the local cloud's full
 * EventBridge matcher evaluates them — so the catalog cannot claim a consumer the bus would not deliver to.
 */
import Ajv from 'ajv';
import asyncApi300 from '@asyncapi/specs/schemas/3.0.0-without-$id.json';
import { matchesEventPattern } from '../../local/eventbridge/pattern';
import { ORDER_EVENT_SOURCE, rules, WEBHOOK_SUBSCRIBERS_MARK } from '../platform/resources';
import type { RuleSpec } from '../platform/resources';
import { asyncApiDocument, eventConsumers, messageKey, ruleMatches } from './asyncapi';
import { EVENT_CONTRACTS } from './contracts';

const document = asyncApiDocument({ version: '0.1.0' }) as {
  channels: Record<string, { messages: Record<string, unknown> }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: {
    messages: Record<
      string,
      {
        payload: { schema: object };
        examples: { payload: object }[];
        'x-event-version': number;
        'x-consumers': { queue: string }[];
      }
    >;
  };
};

const sampleEnvelope = (contract: (typeof EVENT_CONTRACTS)[number]) => ({
  version: '0',
  id: 'e1',
  'detail-type': contract.source.startsWith('partner.') ? 'shipment.dispatched' : contract.type,
  source: contract.source.startsWith('partner.') ? 'partner.acme' : contract.source,
  account: '000000000000',
  time: '2026-12-01T10:00:00Z',
  region: 'eu-west-1',
  // As published for a customer with a subscribed webhook endpoint: the platform's events carry the routing mark.
  resources: contract.source === ORDER_EVENT_SOURCE ? [WEBHOOK_SUBSCRIBERS_MARK] : [],
  detail: contract.example,
});

describe('asyncApiDocument', () => {
  it('is a valid AsyncAPI 3.0 document', () => {
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(asyncApi300);
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('has one message per contract with its version, JSON Schema and published example', () => {
    const messages = document.components.messages;
    expect(Object.keys(messages)).toEqual(EVENT_CONTRACTS.map(messageKey));
    for (const contract of EVENT_CONTRACTS) {
      const message = messages[messageKey(contract)];
      expect(message['x-event-version']).toBe(contract.version);
      expect(message.examples[0].payload).toEqual(contract.example);
      expect(message.payload.schema).toMatchObject({ type: 'object' });
    }
  });

  it.each(
    (rules as readonly RuleSpec[])
      .filter((rule) => rule.eventPattern !== undefined)
      .map((rule) => [rule.name, rule] as const),
  )('rule %s delivers exactly the contracts the EventBridge matcher matches', (_, rule) => {
    const byMatcher = EVENT_CONTRACTS.filter((contract) =>
      matchesEventPattern(rule.eventPattern, sampleEnvelope(contract)),
    );
    const byCatalog = EVENT_CONTRACTS.filter((contract) => ruleMatches(rule.eventPattern!, contract));
    expect(byCatalog.map(messageKey)).toEqual(byMatcher.map(messageKey));
  });

  it('names the consumers of order.confirmed: the processors for email, receipts, webhooks and the log, and loyalty points', () => {
    const consumers = document.components.messages['order.confirmed']['x-consumers'].map((consumer) => consumer.queue);
    expect(consumers.sort()).toEqual(['email', 'events-log', 'loyalty-points', 'receipts', 'webhooks']);
  });

  it('has a receive operation on a queue channel for every consumer', () => {
    for (const consumer of eventConsumers().filter((candidate) => candidate.contracts.length > 0)) {
      const operation = document.operations[`consume-${consumer.queue.name}`];
      expect(operation).toMatchObject({ action: 'receive', channel: { $ref: `#/channels/${consumer.queue.name}` } });
      expect(Object.keys(document.channels[consumer.queue.name].messages)).toEqual(consumer.contracts.map(messageKey));
    }
  });

  it('the webhook fan-out takes only the order events the publisher marked; the other consumers take them marked or not', () => {
    const webhooks = (rules as readonly RuleSpec[]).find((rule) => rule.name === 'order-events-to-webhooks');
    const others = (rules as readonly RuleSpec[]).filter(
      (rule) => rule.eventPattern !== undefined && rule.name !== 'order-events-to-webhooks',
    );
    for (const contract of EVENT_CONTRACTS.filter((candidate) => candidate.source === ORDER_EVENT_SOURCE)) {
      const unmarked = { ...sampleEnvelope(contract), resources: [] };
      expect(matchesEventPattern(webhooks!.eventPattern, sampleEnvelope(contract))).toBe(true);
      expect(matchesEventPattern(webhooks!.eventPattern, unmarked)).toBe(false);
      for (const rule of others)
        expect(matchesEventPattern(rule.eventPattern, unmarked)).toBe(
          matchesEventPattern(rule.eventPattern, sampleEnvelope(contract)),
        );
    }
  });

  it('refuses a pattern form it does not understand instead of guessing', () => {
    expect(() => ruleMatches({ 'detail-type': [{ suffix: '.created' }] }, EVENT_CONTRACTS[0])).toThrow(
      /not understood/,
    );
    expect(() => ruleMatches({ detail: { status: ['CONFIRMED'] } }, EVENT_CONTRACTS[0])).toThrow(/not understood/);
    expect(() => ruleMatches({ resources: ['arn:aws:s3:::bucket'] }, EVENT_CONTRACTS[0])).toThrow(/not understood/);
  });
});
