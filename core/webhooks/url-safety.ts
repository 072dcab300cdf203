/**
 * Where a webhook may be delivered. In AWS: https only, and every address the host resolves to must be public
 * (no private, loopback, link-local, instance-metadata, CGNAT, multicast or reserved ranges, IPv6 included, and
 * IPv4-mapped / NAT64 IPv6 judged by their embedded IPv4). The check runs at delivery time, after DNS
 * resolution, on the very address the connection then uses (see ./http-delivery.ts), so DNS rebinding cannot
 * slip past it; redirects are never followed. Local mode (WEBHOOK_ALLOW_LOOPBACK=true, set only by the local
 * cloud) also allows http and loopback addresses, nothing else, and never the ports of the platform's own services
 * on this machine (WEBHOOK_RESERVED_PORTS: the edge with its /_local control plane, DynamoDB Local, the API): a
 * webhook to http://127.0.0.1:<edge>/_local/reset would otherwise wipe every table with one order.
 */
import { BlockList, isIP } from 'node:net';
import { WebhookError } from './errors';

export interface UrlPolicy {
  /** Allows http:// and loopback addresses (127.0.0.0/8, ::1): the local cloud only. */
  readonly allowLoopback: boolean;
  /** With `allowLoopback`: ports no webhook may target, whatever its host (the local platform's own services). */
  readonly reservedPorts?: readonly number[];
}

/** WEBHOOK_RESERVED_PORTS (`4566,3000`) as port numbers; throws on anything else, so a typo cannot open a port. */
export const parseReservedPorts = (raw: string | undefined): number[] => {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const port = Number(part.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WebhookReservedPortsInvalidError(raw);
    return port;
  });
};

/** WEBHOOK_RESERVED_PORTS is not a comma-separated list of ports. */
export class WebhookReservedPortsInvalidError extends Error {
  constructor(raw: string) {
    super(`WEBHOOK_RESERVED_PORTS must be comma-separated port numbers, got ${JSON.stringify(raw)}`);
    this.name = 'WebhookReservedPortsInvalidError';
  }
}

/** At registration the API answers it as a 400 on the field `url`; at delivery time it fails the attempt. */
export class WebhookUrlRejectedError extends WebhookError {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message, {
      code: 'VALIDATION_FAILED',
      httpStatus: 400,
      details: [{ path: 'url', message }],
      publicMessage: 'the webhook is invalid',
    });
    this.name = 'WebhookUrlRejectedError';
  }
}

const blocked = new BlockList();
const loopback = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(network, prefix, 'ipv6');
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) address. */
const embeddedIpv4 = (address: string): string | undefined => {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
};

/** Why an address may not be a delivery target, or undefined when it may. */
export const addressRejection = (address: string, policy: UrlPolicy): string | undefined => {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  if (family === 6) {
    const mapped = embeddedIpv4(address);
    if (mapped !== undefined) return addressRejection(mapped, policy);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(address, type)) return policy.allowLoopback ? undefined : `${address} is a loopback address`;
  if (blocked.check(address, type)) return `${address} is not a public address`;
  if (family === 6 && !/^[23]/.test(address.replace(/^0+/, '').toLowerCase()))
    return `${address} is outside the global unicast range`;
  return undefined;
};

/** Checks the URL itself (scheme, no credentials, a host); the addresses are checked when connecting. */
export const checkWebhookUrl = (raw: string, policy: UrlPolicy): URL => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRejectedError('not an absolute URL', raw);
  }
  if (url.protocol !== 'https:' && !(policy.allowLoopback && url.protocol === 'http:'))
    throw new WebhookUrlRejectedError('the URL must use https', raw);
  if (url.username !== '' || url.password !== '')
    throw new WebhookUrlRejectedError('the URL must not carry credentials', raw);
  if (url.hostname === '') throw new WebhookUrlRejectedError('the URL has no host', raw);
  // Any host: a name can resolve to 127.0.0.1 as well as a literal can, and a local webhook has no business on these.
  const port = Number(url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port);
  if (policy.allowLoopback && (policy.reservedPorts ?? []).includes(port)) {
    throw new WebhookUrlRejectedError(
      `port ${port} belongs to the local platform itself (its edge, tables or API)`,
      raw,
    );
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0) {
    const rejection = addressRejection(literal, policy);
    if (rejection !== undefined) throw new WebhookUrlRejectedError(rejection, raw);
  }
  return url;
};
