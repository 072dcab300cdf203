/**
 * Contract tests: what producers publish validates against the published JSON Schemas, the committed schemas are
 * the code's (a stale or incompatibly changed contract fails here), and the real consumer parser reads every version
 * still published, including a later one with an added optional field, while a breaking change is caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parseOrderEvent } from '../../lambdas/processors/order-event-processor';
import { ingestPartnerEvent } from '../partners/ingest';
import { signedHeaders } from '../webhooks/signing';
import { ASYNCAPI_INFO, asyncApiDocument } from './asyncapi';
import { breakingChanges } from './compatibility';
import { contractJsonSchema, EVENT_CONTRACTS, schemaFileName } from './contracts';
import type { JsonSchema } from './contracts';
import { ORDER_EVENT_SOURCE, ORDER_EVENT_TYPES, ORDER_EVENT_VERSION } from './order-events';
import type { PlatformEvent } from './order-events';

const SCHEMAS_DIR = join(__dirname, '..', '..', 'docs', 'events', 'schemas');
const published = (file: string): JsonSchema => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as JsonSchema;
const validator = (schema: JsonSchema) => new Ajv({ strict: false, allErrors: true }).compile(schema);

const envelope = (detailType: string, detail: object): string =>
  JSON.stringify({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: ORDER_EVENT_SOURCE,
    account: '000000000000',
    time: '2026-12-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });

const orderContracts = EVENT_CONTRACTS.filter((contract) => contract.source === ORDER_EVENT_SOURCE);

describe('event contracts', () => {
  it('has one versioned contract per order event type and one for partner events', () => {
    expect(orderContracts.map((contract) => contract.type)).toEqual([...ORDER_EVENT_TYPES]);
    expect(orderContracts.every((contract) => contract.version === ORDER_EVENT_VERSION)).toBe(true);
    expect(EVENT_CONTRACTS.filter((contract) => contract.source.startsWith('partner.'))).toHaveLength(1);
  });

  it.each(EVENT_CONTRACTS.map((contract) => [schemaFileName(contract), contract] as const))(
    'the producer output of %s validates against its committed JSON Schema',
    (file, contract) => {
      const validate = validator(published(file));
      const valid = validate(contract.example);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  it('a partner event published by the real ingest validates against the partner contract', async () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const body = JSON.stringify({ type: 'shipment.dispatched', data: { shipmentId: 'shp_1', carrier: 'dhl' } });
    const at = 1_790_000_000;
    const headers: Record<string, string> = { ...signedHeaders(secret, 'msg_contract_1', at, body) };
    const publishedEvents: PlatformEvent<object>[] = [];
    const outcome = await ingestPartnerEvent(
      { partnerId: 'acme', headers, body },
      {
        secrets: { secretOf: async (id) => (id === 'acme' ? secret : undefined) },
        publisher: { publish: async (events) => void publishedEvents.push(...events) },
        // A first delivery: the ledger of taken messages (deduplication) is not what this test is about.
        messages: {
          claim: async () => 'claimed',
          markPublished: async () => undefined,
          release: async () => undefined,
        },
        nowSeconds: () => at,
      },
    );
    const partner = EVENT_CONTRACTS.find((contract) => contract.source.startsWith('partner.'));
    expect(outcome.accepted).toBe(true);
    expect(partner).toBeDefined();
    const validate = validator(published(schemaFileName(partner!)));
    expect(publishedEvents.map((event) => validate(event.detail))).toEqual([true]);
  });

  it.each(EVENT_CONTRACTS.map((contract) => [schemaFileName(contract), contract] as const))(
    'the committed %s is the code’s contract, unchanged (run `npm run events:schemas` after an additive change)',
    (file, contract) => {
      const committed = published(file);
      expect(breakingChanges(committed, contractJsonSchema(contract))).toEqual([]);
      expect(contractJsonSchema(contract)).toEqual(committed);
    },
  );

  it('the committed docs/events/asyncapi.json is the document GET /asyncapi.json serves', () => {
    const committed = JSON.parse(readFileSync(join(SCHEMAS_DIR, '..', 'asyncapi.json'), 'utf8')) as unknown;
    expect(committed).toEqual(asyncApiDocument(ASYNCAPI_INFO));
  });

  it.each(orderContracts.map((contract) => [contract.type, contract] as const))(
    'the consumer parser reads %s as published',
    (type, contract) => {
      const event = parseOrderEvent(envelope(type, contract.example));
      expect(event.type).toBe(type);
      expect(event.detail.orderId).toBe(contract.example.orderId);
    },
  );

  it('a v1 consumer reads a v2 with an added optional field, and the change is compatible', () => {
    const contract = orderContracts.find((candidate) => candidate.type === 'order.confirmed')!;
    const v2 = { ...contract.example, version: 2, loyaltyPoints: 25 };
    const schemaV2 = contractJsonSchema(contract) as { properties: Record<string, unknown> };
    const widened = { ...schemaV2, properties: { ...schemaV2.properties, loyaltyPoints: { type: 'integer' } } };

    const event = parseOrderEvent(envelope('order.confirmed', v2));

    expect(event.detail.total).toEqual(contract.example.total);
    expect(breakingChanges(contractJsonSchema(contract), widened)).toEqual([]);
  });

  it('a breaking change (a required field renamed) is refused by the consumer and flagged by the contract check', () => {
    const contract = orderContracts.find((candidate) => candidate.type === 'order.confirmed')!;
    const { total, ...rest } = contract.example as Record<string, unknown>;
    const renamed = { ...rest, amount: total };
    const schema = contractJsonSchema(contract) as { properties: Record<string, unknown>; required: string[] };
    const { total: totalSchema, ...otherProperties } = schema.properties;
    const renamedSchema = {
      ...schema,
      properties: { ...otherProperties, amount: totalSchema },
      required: [...schema.required.filter((field) => field !== 'total'), 'amount'],
    };

    expect(() => parseOrderEvent(envelope('order.confirmed', renamed))).toThrow(/total/);
    expect(breakingChanges(schema, renamedSchema)).toEqual([
      '(detail).total: required field removed',
      '(detail).amount: new required field (archived events lack it; add it as optional)',
    ]);
  });
});
