import fc from 'fast-check';
import { controlPlaneRoute, type ControlPlanePorts, type FaultSettings } from '../control/control-plane';
import { isLocalOrigin } from './local-cors';
import { startEdge, type RunningEdge } from './server';
import { jsonResponse, type ServiceEmulator } from './types';

const ports = (faults: Map<string, FaultSettings>): ControlPlanePorts => ({
  functions: {
    listFunctions: () => [{ name: 'send-email', arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-email' }],
    injectFault: (name: string, settings: FaultSettings) => {
      faults.set(name, settings);
    },
    listFaults: () => [],
    clearFaults: () => faults.clear(),
  },
  queues: { listQueues: () => [] },
  emails: { emails: () => [] },
  reset: async () => undefined,
});

describe('isLocalOrigin', () => {
  it('accepts http://127.0.0.1 and http://localhost on any port', () => {
    fc.assert(
      fc.property(fc.constantFrom('127.0.0.1', 'localhost'), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        // Browsers send the default port only implied (`http://localhost`), never as `:80`.
        fc.pre(port !== 80);
        expect(isLocalOrigin(`http://${host}:${port}`)).toBe(true);
      }),
    );
    expect(isLocalOrigin('http://localhost')).toBe(true);
  });

  it('refuses every other origin: other hosts, https, look-alike hosts, paths, credentials, nothing', () => {
    fc.assert(
      fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        fc.pre(host !== 'localhost');
        expect(isLocalOrigin(`http://${host}:${port}`)).toBe(false);
      }),
    );
    for (const origin of [
      'https://127.0.0.1:3000',
      'http://127.0.0.1.evil.example:3000',
      'http://localhost.evil.example',
      'http://127.0.0.2:3000',
      'http://127.0.0.1:3000/path',
      'http://user@localhost:3000',
      'null',
      '',
      undefined,
    ]) {
      expect(isLocalOrigin(origin)).toBe(false);
    }
  });
});

describe('CORS on the edge for /_local', () => {
  let edge: RunningEdge;
  const faults = new Map<string, FaultSettings>();
  const sqs: ServiceEmulator = { signingNames: ['sqs'], handle: async () => jsonResponse({ QueueUrls: [] }) };

  beforeAll(async () => {
    edge = await startEdge({ services: [sqs], extraRoutes: [controlPlaneRoute(ports(faults))] });
  });
  afterAll(() => edge.close());

  it('answers the preflight of a local page with the origin, methods and headers the dashboard sends', async () => {
    const response = await fetch(`${edge.url}/_local/faults`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('vary')).toBe('origin');
  });

  it('refuses the preflight of a page elsewhere, without CORS headers, and changes nothing', async () => {
    const response = await fetch(`${edge.url}/_local/faults`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(faults.size).toBe(0);
  });

  it('puts the local origin on /_local answers, success and error alike', async () => {
    const listed = await fetch(`${edge.url}/_local/functions`, { headers: { origin: 'http://localhost:5173' } });
    const injected = await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify({ function: 'send-email', failNext: 1 }),
    });
    const invalid = await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173' },
      body: '{oops',
    });

    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(injected.status).toBe(200);
    expect(injected.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(faults.get('send-email')).toEqual({ failNext: 1, probability: undefined, latencyMs: undefined });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('refuses another origin without a CORS header, and gives none to the AWS APIs on the same edge', async () => {
    const foreign = await fetch(`${edge.url}/_local/functions`, { headers: { origin: 'http://evil.example' } });
    const aws = await fetch(`${edge.url}/`, {
      method: 'POST',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'x-amz-target': 'AmazonSQS.ListQueues',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });

    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(aws.status).toBe(200);
    expect(aws.headers.get('access-control-allow-origin')).toBeNull();
  });
});
