/**
 * IP address literals as EventBridge reads them: dotted-quad IPv4, or IPv6 of hex groups and colons (with `::`).
 * Addresses are compared as unsigned integers of 32 or 128 bits.
 */

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

const parseIpv4 = (text: string): IpAddress | undefined => {
  let value = 0n;
  for (const part of text.split('.')) {
    if (part.length > 3 || (part.length > 1 && part.startsWith('0'))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return { family: 4, value };
};

const parseGroups = (text: string): bigint[] | undefined => {
  if (text === '') return [];
  const groups: bigint[] = [];
  for (const group of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    groups.push(BigInt(`0x${group}`));
  }
  return groups;
};

const parseIpv6 = (text: string): IpAddress | undefined => {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const groups = [...head, ...Array<bigint>(8 - count).fill(0n), ...tail];
  return { family: 6, value: groups.reduce((sum, group) => (sum << 16n) | group, 0n) };
};

/** The address of an IP literal, or undefined when the text is not one. */
export const parseIp = (text: string): IpAddress | undefined => {
  if (IPV4.test(text)) return parseIpv4(text);
  if (IPV6.test(text)) return parseIpv6(text);
  return undefined;
};

export interface CidrRange {
  readonly family: 4 | 6;
  readonly low: bigint;
  readonly high: bigint;
}

/** Parses `address/bits`; throws a plain Error with AWS's reason when malformed. */
export const parseCidr = (text: string): CidrRange => {
  const parts = text.split('/');
  if (parts.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const [addressText = '', bitsText = ''] = parts;
  if (!/^-?[0-9]+$/.test(bitsText)) throw new Error('Malformed CIDR, mask bits must be an integer');
  const bits = Number(bitsText);
  if (bits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  const address = parseIp(addressText);
  if (!address) throw new Error(`Invalid IP address: ${addressText}`);
  const width = address.family === 4 ? 32 : 128;
  // EventBridge's engine takes a single address as a plain string value, not as a /32 or /128 CIDR.
  if (bits >= width) throw new Error(`IPv${address.family} mask bits must be < ${width}`);
  const hostBits = BigInt(width - bits);
  const hostMask = (1n << hostBits) - 1n;
  const low = address.value & ~hostMask & ((1n << BigInt(width)) - 1n);
  return { family: address.family, low, high: low | hostMask };
};
