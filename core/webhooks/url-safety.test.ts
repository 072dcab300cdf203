import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook } from './http-delivery';
import {
  addressRejection,
  checkWebhookUrl,
  parseReservedPorts,
  WebhookReservedPortsInvalidError,
  WebhookUrlRejectedError,
} from './url-safety';

const aws = { allowLoopback: false };
const local = { allowLoopback: true };

describe('webhook address safety', () => {
  it.each([
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.8.9.10', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['169.254.170.2', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::a9fe:a9fe', false],
    ['0:0:0:0:0:0:0:1', false],
    ['2001:db8::1', false],
  ])('in AWS, %s is allowed: %s', (address, allowed) => {
    expect(addressRejection(address, aws) === undefined).toBe(allowed);
  });

  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['169.254.169.254', false],
    ['192.168.0.10', false],
  ])('locally, %s is allowed: %s', (address, allowed) => {
    expect(addressRejection(address, local) === undefined).toBe(allowed);
  });

  it.each([
    ['http://example.com/hook', aws, 'https'],
    ['https://user:pw@example.com/hook', aws, 'credentials'],
    ['https://127.0.0.1/hook', aws, 'loopback'],
    ['https://[::1]/hook', aws, 'loopback'],
    ['https://169.254.169.254/latest/meta-data', aws, 'public'],
    ['not a url', aws, 'absolute'],
    ['ftp://example.com/', local, 'https'],
    ['http://10.0.0.1/hook', local, 'public'],
  ])('rejects the URL %s', (url, policy, why) => {
    expect.assertions(2);
    try {
      checkWebhookUrl(url, policy);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookUrlRejectedError);
      expect((error as Error).message).toContain(why);
    }
  });

  it('accepts https to a public name in AWS and http to loopback locally', () => {
    expect(checkWebhookUrl('https://hooks.example.com/a?b=c', aws).hostname).toBe('hooks.example.com');
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', local).port).toBe('8080');
  });
});

describe('postWebhook', () => {
  const received: string[] = [];
  const server = createServer((request, response) => {
    received.push(request.url ?? '');
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://169.254.169.254/' });
      response.end();
      return;
    }
    response.writeHead(204);
    response.end();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  });

  it('refuses a name resolving to a private address before connecting', async () => {
    // prepare
    const before = received.length;
    // act
    const outcome = await postWebhook(`http://internal.example:${port}/hook`, {}, '{}', {
      policy: local,
      timeoutMs: 2000,
      resolver: async () => [{ address: '10.0.0.7', family: 4 }],
    });
    // assess
    expect(outcome.statusCode).toBeUndefined();
    expect(outcome.error).toContain('10.0.0.7');
    expect(received.length).toBe(before);
  });

  it('refuses a name when any of its addresses is private (DNS rebinding)', async () => {
    const outcome = await postWebhook(`http://mixed.example:${port}/hook`, {}, '{}', {
      policy: local,
      timeoutMs: 2000,
      resolver: async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    expect(outcome.error).toContain('169.254.169.254');
  });

  it('connects to the checked address of a name locally', async () => {
    const outcome = await postWebhook(`http://receiver.test:${port}/ok`, {}, '{}', {
      policy: local,
      timeoutMs: 2000,
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(outcome.statusCode).toBe(204);
  });

  it('does not follow a redirect', async () => {
    // prepare
    const before = received.length;
    // act
    const outcome = await postWebhook(`http://127.0.0.1:${port}/redirect`, {}, '{}', {
      policy: local,
      timeoutMs: 2000,
    });
    // assess
    expect(outcome.statusCode).toBe(302);
    expect(received.length).toBe(before + 1);
  });

  it('refuses loopback in AWS mode without connecting', async () => {
    const before = received.length;
    const outcome = await postWebhook(`https://127.0.0.1:${port}/ok`, {}, '{}', { policy: aws, timeoutMs: 2000 });
    expect(outcome.error).toContain('loopback');
    expect(received.length).toBe(before);
  });
});

describe("local mode never targets the platform's own ports", () => {
  const localWithPorts = { allowLoopback: true, reservedPorts: [4566, 3000] };

  it.each([
    'http://127.0.0.1:4566/_local/reset',
    'http://localhost:4566/_local/reset',
    'http://[::1]:3000/api/orders',
    'http://rebind.example:4566/',
  ])('refuses %s', (url) => {
    expect(() => checkWebhookUrl(url, localWithPorts)).toThrow(WebhookUrlRejectedError);
  });

  it('names the reason on the url field', () => {
    expect.assertions(1);
    try {
      checkWebhookUrl('http://127.0.0.1:4566/_local/reset', localWithPorts);
    } catch (error) {
      expect((error as WebhookUrlRejectedError).message).toBe(
        'port 4566 belongs to the local platform itself (its edge, tables or API)',
      );
    }
  });

  it('still accepts a local receiver on another port', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4710/hook', localWithPorts).port).toBe('4710');
  });

  it('reads WEBHOOK_RESERVED_PORTS and refuses anything but port numbers', () => {
    expect(parseReservedPorts('4566, 3000')).toEqual([4566, 3000]);
    expect(parseReservedPorts(undefined)).toEqual([]);
    expect(() => parseReservedPorts('4566,edge')).toThrow(WebhookReservedPortsInvalidError);
  });
});
