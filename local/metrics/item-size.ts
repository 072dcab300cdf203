/**
 * The size of a DynamoDB item as DynamoDB bills it (Amazon DynamoDB Developer Guide, "DynamoDB item sizes and
 * formats"): the sum of its attribute names' and values' sizes. Strings: UTF-8 bytes; numbers: 1 byte per two
 * significant digits (leading and trailing zeroes trimmed) plus 1; binary: raw bytes; null and Boolean: 1; a List or a
 * Map: 3 bytes plus its elements (a Map's with their names), and 1 byte more per element; sets: their elements.
 * Input: the item in DynamoDB JSON (`{ "PK": { "S": "..." } }`), as on the wire. Total: a malformed value counts 0
 * (DynamoDB will refuse the request; the estimate must not fail it first).
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
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((element): element is string => typeof element === 'string') : [];
const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The size of one attribute value, without its name. */
export const valueSize = (value: AttributeValue): number => {
  if (!isObject(value)) return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return typeof inner === 'string' ? utf8(inner) : 0;
    case 'N':
      return typeof inner === 'string' ? numberSize(inner) : 0;
    case 'B':
      return typeof inner === 'string' ? binarySize(inner) : 0;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return strings(inner).reduce((sum, element) => sum + utf8(element), 0);
    case 'NS':
      return strings(inner).reduce((sum, element) => sum + numberSize(element), 0);
    case 'BS':
      return strings(inner).reduce((sum, element) => sum + binarySize(element), 0);
    case 'L': {
      const elements = Array.isArray(inner) ? (inner as AttributeValue[]) : [];
      return 3 + elements.reduce((sum, element) => sum + 1 + valueSize(element), 0);
    }
    case 'M': {
      const entries = isObject(inner) ? Object.entries(inner) : [];
      return (
        3 + entries.reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element as AttributeValue), 0)
      );
    }
    default:
      return 0;
  }
};

/** The size of an item: each attribute's name and value. */
export const itemSize = (item: Readonly<Record<string, AttributeValue>>): number =>
  isObject(item) ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0) : 0;

/** Write units of one item written by a standard write: its size rounded up to the next KB, at least 1. */
export const writeUnitsOfSize = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
