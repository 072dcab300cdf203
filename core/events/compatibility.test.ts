/** The evolution rules of docs/events.md as a checker: a table of changes and their verdicts, and properties. */
import fc from 'fast-check';
import { breakingChanges } from './compatibility';
import type { JsonSchema } from './contracts';

const base: JsonSchema = {
  type: 'object',
  properties: {
    orderId: { type: 'string', pattern: '^[0-9A-Z]{26}$' },
    status: { type: 'string', enum: ['PENDING', 'CONFIRMED'] },
    note: { type: 'string' },
    lines: {
      type: 'array',
      items: { type: 'object', properties: { quantity: { type: 'integer' } }, required: ['quantity'] },
    },
  },
  required: ['orderId', 'status', 'lines'],
};

const withProperty = (schema: JsonSchema, name: string, value: unknown): JsonSchema => ({
  ...schema,
  properties: { ...(schema.properties as object), [name]: value },
});

describe('breakingChanges', () => {
  it.each<[string, JsonSchema]>([
    ['an optional field added', withProperty(base, 'loyaltyPoints', { type: 'integer' })],
    ['an optional field dropped', { ...base, properties: { ...(base.properties as object), note: undefined } }],
    ['a description changed', { ...base, description: 'now documented' }],
    ['additionalProperties closed', { ...base, additionalProperties: false }],
  ])('accepts %s', (_, changed) => {
    const cleaned = JSON.parse(JSON.stringify(changed)) as JsonSchema;
    expect(breakingChanges(base, cleaned)).toEqual([]);
  });

  it.each<[string, JsonSchema, string]>([
    ['a required field removed', { ...base, required: ['orderId', 'lines'] }, '(detail).status: was required'],
    [
      'a new required field',
      { ...withProperty(base, 'channel', { type: 'string' }), required: [...(base.required as string[]), 'channel'] },
      '(detail).channel: new required field',
    ],
    [
      'an optional field made required',
      { ...base, required: [...(base.required as string[]), 'note'] },
      '(detail).note: was optional',
    ],
    [
      'a type changed',
      withProperty(base, 'orderId', { type: 'integer', pattern: '^[0-9A-Z]{26}$' }),
      '(detail).orderId: "type" changed',
    ],
    [
      'an enum value added',
      withProperty(base, 'status', { type: 'string', enum: ['PENDING', 'CONFIRMED', 'HELD'] }),
      '(detail).status: "enum" changed',
    ],
    [
      'a pattern tightened',
      withProperty(base, 'orderId', { type: 'string', pattern: '^[0-9A-Z]{20}$' }),
      '(detail).orderId: "pattern" changed',
    ],
    [
      'a nested required field removed',
      withProperty(base, 'lines', {
        type: 'array',
        items: { type: 'object', properties: { quantity: { type: 'integer' } } },
      }),
      '(detail).lines[].quantity: was required',
    ],
  ])('refuses %s', (_, changed, reason) => {
    const changes = breakingChanges(base, changed);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toContain(reason);
  });

  it('any number of added optional fields is compatible', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/), { maxLength: 6 }),
        fc.constantFrom('string', 'integer', 'boolean'),
        (fields, type) => {
          const fresh = fields.filter((field) => !(field in (base.properties as object)));
          const widened = fresh.reduce((schema, field) => withProperty(schema, field, { type }), base);
          return breakingChanges(base, widened).length === 0;
        },
      ),
    );
  });

  it('removing any required field is breaking, and names the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(base.required as string[])), (field) => {
        const narrowed = { ...base, required: (base.required as string[]).filter((name) => name !== field) };
        return breakingChanges(base, narrowed).some((change) => change.includes(`.${field}:`));
      }),
    );
  });
});
