/**
 * Cursors are decoded strictly: only the exact start key of the queried index, in the queried partition and sort-key
 * range, comes back; anything else is a 400 INVALID_CURSOR before DynamoDB sees it (DynamoDB would refuse a start key
 * with other attributes or outside the key condition with a ValidationException, a 500).
 */
import { PaginationCursorInvalidError } from '../orders/errors';
import { decodeCursor } from './paging';

const encode = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');
const scope = { index: 'GSI1', partitionAttribute: 'GSI1PK', partition: 'CUSTOMER#dave' };
const issued = { PK: 'ORDER#01J0', SK: 'ORDER', GSI1PK: 'CUSTOMER#dave', GSI1SK: 'ORDER#01J0' };

describe('decodeCursor', () => {
  it('takes back the start key it issued', () => {
    expect(decodeCursor(encode(issued), scope)).toEqual(issued);
  });

  it.each([
    ['four keys of the own partition with unexpected names', { GSI1PK: 'CUSTOMER#dave', a: 'x', b: 'y', c: 'z' }],
    ['the issued key with one more attribute', { ...issued, GSI2PK: 'STATUS#PENDING' }],
    ['the issued key without its table sort key', { PK: issued.PK, GSI1PK: issued.GSI1PK, GSI1SK: issued.GSI1SK }],
    ['the key of another index of the own partition', { ...issued, GSI1SK: undefined, GSI2SK: 'x' }],
    ['a number where a string belongs', { ...issued, SK: 1 }],
    ['an empty string', { ...issued, GSI1SK: '' }],
    ['another partition', { ...issued, GSI1PK: 'CUSTOMER#erin' }],
    ['an array', [issued]],
    ['null', null],
  ])('refuses %s with INVALID_CURSOR (400)', (_what, key) => {
    expect.assertions(2);
    try {
      decodeCursor(encode(key), scope);
    } catch (error) {
      expect(error).toBeInstanceOf(PaginationCursorInvalidError);
      expect((error as PaginationCursorInvalidError).httpStatus).toBe(400);
    }
  });

  it('refuses text that is not base64url JSON', () => {
    expect(() => decodeCursor('%%%not-a-cursor', scope)).toThrow(PaginationCursorInvalidError);
  });

  it('refuses a start key outside the sort-key range the listing queries', () => {
    const ranged = {
      index: 'GSI3',
      partitionAttribute: 'GSI3PK',
      partition: 'ORDERS',
      sortKeyBetween: { attribute: 'GSI3SK', from: '2026-01-01', to: '2026-01-31' },
    };
    const key = { PK: 'ORDER#01J0', SK: 'ORDER', GSI3PK: 'ORDERS', GSI3SK: '2026-02-01T00:00:00.000Z#01J0' };

    expect(() => decodeCursor(encode(key), ranged)).toThrow('outside the queried range');
    expect(decodeCursor(encode({ ...key, GSI3SK: '2026-01-15T00:00:00.000Z#01J0' }), ranged)).toEqual({
      ...key,
      GSI3SK: '2026-01-15T00:00:00.000Z#01J0',
    });
  });
});
