import { fillTemplate, selectPath, targetInput } from './input-transform';

const event = { id: 'e1', detail: { orderId: 'o-1', total: 12.5, lines: [{ sku: 'a' }], note: 'say "hi"' } };
const context = {
  ruleName: 'r',
  ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r',
  ingestionTime: '2026-01-01T00:00:00Z',
};

describe('target input', () => {
  it('selects with dotted, indexed and bracketed JSON paths', () => {
    expect(selectPath(event, '$.detail.lines[0].sku')).toBe('a');
    expect(selectPath(event, "$['detail']['orderId']")).toBe('o-1');
    expect(selectPath(event, '$.detail.missing.deeper')).toBeUndefined();
  });

  it('quotes values outside string literals and inlines them inside', () => {
    const values = new Map<string, unknown>([
      ['note', 'say "hi"'],
      ['total', 12.5],
      ['obj', { a: 1 }],
    ]);

    const filled = fillTemplate('{"text": "note: <note>", "total": <total>, "obj": <obj>, "objText": "<obj>"}', values);

    expect(JSON.parse(filled)).toEqual({ text: 'note: say "hi"', total: 12.5, obj: { a: 1 }, objText: '{"a":1}' });
  });

  it('fills a plain string template', () => {
    const input = targetInput(
      {
        InputTransformer: {
          InputPathsMap: { id: '$.detail.orderId' },
          InputTemplate: '"Order <id> on <aws.events.rule-name>"',
        },
      },
      event,
      context,
    );

    expect(JSON.parse(input)).toBe('Order o-1 on r');
  });

  it('sends a constant Input as is and the whole event by default', () => {
    expect(targetInput({ Input: '{"fixed":true}' }, event, context)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({}, event, context))).toEqual(event);
  });
});
