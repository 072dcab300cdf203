import { itemSize, valueSize, writeUnitsOfSize } from './item-size';

describe("DynamoDB item sizes, by the Developer Guide's rules", () => {
  it('counts a string as its name plus its UTF-8 bytes', () => {
    expect(itemSize({ name: { S: 'abc' } })).toBe(4 + 3);
    expect(itemSize({ é: { S: 'ü€' } })).toBe(2 + 5);
  });

  it('counts a number as 1 byte per two significant digits plus 1, leading and trailing zeroes trimmed', () => {
    expect(valueSize({ N: '1' })).toBe(2);
    expect(valueSize({ N: '12' })).toBe(2);
    expect(valueSize({ N: '123' })).toBe(3);
    expect(valueSize({ N: '-123.45' })).toBe(4);
    expect(valueSize({ N: '1200' })).toBe(2);
    expect(valueSize({ N: '0.0012' })).toBe(2);
  });

  it('counts binary as raw bytes, null and Boolean as 1, sets as their elements', () => {
    expect(valueSize({ B: Buffer.from('hello').toString('base64') })).toBe(5);
    expect(valueSize({ BOOL: true })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
    expect(valueSize({ SS: ['ab', 'cde'] })).toBe(5);
    expect(valueSize({ NS: ['1', '123'] })).toBe(2 + 3);
  });

  it('counts a List or a Map as 3 bytes plus its elements and 1 byte per element, a Map with their names', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(itemSize({ m: { M: { k: { S: 'v' }, n: { L: [{ BOOL: false }] } } } })).toBe(
      1 + 3 + (1 + 1 + 1) + (1 + 1 + 3 + (1 + 1)),
    );
  });

  it('counts a malformed value as nothing instead of failing (DynamoDB refuses the request itself)', () => {
    // The names still count; an L that is no list is an empty list's 3 bytes; the rest count nothing.
    expect(itemSize({ a: { L: null } as never, b: { SS: 'abc' } as never, c: null as never })).toBe(1 + 3 + 1 + 1);
    expect(itemSize(null as never)).toBe(0);
  });

  it('rounds a write up to the next KB, at least one unit', () => {
    expect(writeUnitsOfSize(0)).toBe(1);
    expect(writeUnitsOfSize(1024)).toBe(1);
    expect(writeUnitsOfSize(1025)).toBe(2);
    expect(writeUnitsOfSize(1600)).toBe(2);
  });
});
