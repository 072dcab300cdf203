/**
 * The size of a DynamoDB item as DynamoDB bills it (Amazon DynamoDB Developer Guide, "Item sizes and capacity unit
 * consumption"): the sum of its attribute names' and values' sizes. Strings: UTF-8 bytes; numbers: 1 byte per two
 * significant digits (leading and trailing zeroes trimmed) plus 1; binary: raw bytes; null and Boolean: 1; a List or a
 * Map: 3 bytes plus its elements (a Map's elements with their names); sets: their elements. Input: the item in
 * DynamoDB JSON (`{ "PK": { "S": "..." } }`), as on the wire.
 */
type AttributeValue = Readonly<Record<string, unknown>>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** 1 byte per two significant digits, plus 1 (the sign and the exponent). */
const numberSize = (text: string): number => {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

const binarySize = (base64: string): number => Buffer.from(base64, 'base64').length;

/** The size of one attribute value, without its name. */
export const valueSize = (value: AttributeValue): number => {
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return utf8(String(inner));
    case 'N':
      return numberSize(String(inner));
    case 'B':
      return binarySize(String(inner));
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, element) => sum + utf8(element), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, element) => sum + numberSize(element), 0);
    case 'BS':
      return (inner as string[]).reduce((sum, element) => sum + binarySize(element), 0);
    case 'L':
      return 3 + (inner as AttributeValue[]).reduce((sum, element) => sum + valueSize(element), 0);
    case 'M':
      return 3 + itemSize(inner as Readonly<Record<string, AttributeValue>>);
    default:
      return 0;
  }
};

/** The size of an item: each attribute's name and value. */
export const itemSize = (item: Readonly<Record<string, AttributeValue>>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);

/** Write units of one item written by a standard write: its size rounded up to the next KB, at least 1. */
export const writeUnitsOfSize = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
