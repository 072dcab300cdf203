/** The MD5 digests SQS answers, computed exactly as AWS does so that SDK checksum validation passes. */
import { createHash } from 'node:crypto';

/** A message attribute as SQS holds it; binary values are raw bytes (base64 only on the wire). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Buffer;
}

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

/**
 * MD5OfMessageAttributes: for each attribute in name order, the length-prefixed name, the length-prefixed data type,
 * one transport byte (1 string, 2 binary) and the length-prefixed value, all hashed together.
 */
export const md5OfMessageAttributes = (
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string | undefined => {
  const names = Object.keys(attributes).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([BINARY_TRANSPORT]), lengthPrefixed(value.BinaryValue));
    } else {
      parts.push(Buffer.from([STRING_TRANSPORT]), lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
};
