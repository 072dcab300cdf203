import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { startEdge, type RunningEdge } from '../edge/server';
import type { DynamoDbFaultSpec } from '../dynamodb-proxy/dynamodb-faults';
import { controlPlaneRoute, parseFaultRequest, type ControlPlanePorts, type FaultSettings } from './control-plane';

class FakePorts implements ControlPlanePorts {
  readonly faults = new Map<string, FaultSettings>();
  resets = 0;
  readonly functions = {
    listFunctions: () => [{ name: 'send-email', arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-email' }],
    injectFault: (name: string, faults: FaultSettings) => {
      if (name !== 'send-email')
        throw Object.assign(new Error(`Function not found: ${name}`), { name: 'LambdaFunctionNotFoundError' });
      this.faults.set(name, faults);
    },
    clearFaults: (name?: string) => (name ? this.faults.delete(name) : this.faults.clear()) && undefined,
    listFaults: () =>
      [...this.faults].map(([name, faults]) => ({ function: name, faults: { ...faults } as Record<string, number> })),
  };
  readonly tableFaults: DynamoDbFaultSpec[] = [];
  readonly tables = {
    injectFault: (spec: DynamoDbFaultSpec) => {
      if (spec.function !== undefined && spec.function !== 'charge-payment')
        throw Object.assign(new Error(`Function not found: ${spec.function}`), { name: 'LambdaFunctionNotFoundError' });
      this.tableFaults.push(spec);
    },
    clearFaults: (name?: string) => {
      const kept = this.tableFaults.filter((fault) => name !== undefined && fault.function !== name);
      this.tableFaults.splice(0, this.tableFaults.length, ...kept);
    },
    listFaults: () => this.tableFaults.map((fault) => ({ ...fault, failed: 0 })),
  };
  readonly queues = {
    listQueues: () => [
      {
        name: 'email-dlq',
        url: 'http://x/000000000000/email-dlq',
        arn: 'arn',
        visible: 2,
        inFlight: 1,
        delayed: 0,
        isDlq: true,
      },
    ],
  };
  readonly emails = { emails: () => [{ to: ['ada@example.com'], subject: 'Hi', text: 'Hello' }] };
  readonly metrics = { snapshot: () => ({ operations: [] }) };
  reset = async (): Promise<void> => {
    this.resets += 1;
  };
}

describe('control plane /_local', () => {
  let edge: RunningEdge;
  let ports: FakePorts;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${edge.url}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    ports = new FakePorts();
    edge = await startEdge({ services: [], extraRoutes: [controlPlaneRoute(ports)] });
  });
  afterEach(() => edge.close());

  it('answers the address the start banner prints, /_local, with an index of every route it serves', async () => {
    // act
    const index = await call('GET', '/_local');
    const slash = await call('GET', '/_local/');
    // assess
    expect(index.status).toBe(200);
    expect(slash).toEqual(index);
    const listed = (index.body.routes as { method: string; path: string }[]).map(
      (route) => `${route.method} ${route.path}`,
    );
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /_local/functions',
        'POST /_local/faults',
        'DELETE /_local/faults',
        'GET /_local/queues',
        'GET /_local/emails',
        'POST /_local/reset',
      ]),
    );
    for (const route of listed.filter((entry) => entry.startsWith('GET ') && entry !== 'GET /_local')) {
      expect((await call('GET', route.slice(4))).status).toBe(200);
    }
  });

  it('lists function names and ARNs', async () => {
    expect(await call('GET', '/_local/functions')).toEqual({
      status: 200,
      body: { functions: [{ name: 'send-email', arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-email' }] },
    });
  });

  it('lists the faults in force, so a page opened later shows them, and none once they are cleared', async () => {
    // prepare
    await call('POST', '/_local/faults', { function: 'send-email', failNext: 2, latencyMs: 50 });
    // act
    const listed = await call('GET', '/_local/faults');
    await call('DELETE', '/_local/faults');
    const afterClear = await call('GET', '/_local/faults');
    // assess
    expect(listed).toEqual({ status: 200, body: { faults: [{ function: 'send-email', failNext: 2, latencyMs: 50 }] } });
    expect(afterClear).toEqual({ status: 200, body: { faults: [] } });
  });

  it('injects a fault into a function and clears it again', async () => {
    const injected = await call('POST', '/_local/faults', { function: 'send-email', failNext: 2 });
    const afterInject = ports.faults.get('send-email');
    const cleared = await call('DELETE', '/_local/faults');

    expect(injected.status).toBe(200);
    expect(afterInject).toEqual({ failNext: 2 });
    expect(cleared.status).toBe(200);
    expect(ports.faults.size).toBe(0);
  });

  it('injects a fault after the handler (result lost as Lambda.Unknown) and refuses an errorType that is not an error name', async () => {
    const injected = await call('POST', '/_local/faults', {
      function: 'send-email',
      failAfterNext: 1,
      errorType: 'Lambda.Unknown',
    });
    const bad = await call('POST', '/_local/faults', {
      function: 'send-email',
      failAfterNext: 1,
      errorType: 'no spaces allowed',
    });

    expect(injected.status).toBe(200);
    expect(ports.faults.get('send-email')).toEqual({ failAfterNext: 1, errorType: 'Lambda.Unknown' });
    expect(bad.status).toBe(400);
  });

  it('holds back only the next N results with delayNext, and refuses delayNext without resultDelayMs', async () => {
    const late = await call('POST', '/_local/faults', { function: 'send-email', resultDelayMs: 11000, delayNext: 2 });
    const uncounted = await call('POST', '/_local/faults', { function: 'send-email', delayNext: 2 });

    expect(late.status).toBe(200);
    expect(ports.faults.get('send-email')).toEqual(expect.objectContaining({ resultDelayMs: 11000, delayNext: 2 }));
    expect(uncounted.status).toBe(400);
  });

  it('answers 400 for bad fault input and 404 for an unknown function, changing nothing', async () => {
    const bad = await call('POST', '/_local/faults', { function: 'send-email', probability: 2 });
    const notJson = await call('POST', '/_local/faults', '{oops');
    const unknown = await call('POST', '/_local/faults', { function: 'nope', failNext: 1 });

    expect([bad.status, notJson.status, unknown.status]).toEqual([400, 400, 404]);
    expect(bad.body.message).toContain('probability');
    expect(ports.faults.size).toBe(0);
  });

  it('injects a DynamoDB fault on the wire, lists it and clears it', async () => {
    const fault = {
      function: 'charge-payment',
      table: 'orders',
      operation: 'UpdateItem',
      keyBeginsWith: { PK: 'IDEMPOTENCY#' },
      probability: 1,
    };

    const injected = await call('POST', '/_local/dynamodb-faults', fault);
    const listed = await call('GET', '/_local/dynamodb-faults');
    const cleared = await call('DELETE', '/_local/dynamodb-faults?function=charge-payment');

    expect(injected).toEqual({ status: 200, body: { fault } });
    expect(listed.body).toEqual({ faults: [{ ...fault, failed: 0 }] });
    expect(cleared.body).toEqual({ cleared: 'charge-payment' });
    expect(ports.tableFaults).toEqual([]);
  });

  it('answers 400 for a bad DynamoDB fault and 404 for an unknown function, changing nothing', async () => {
    const noOperation = await call('POST', '/_local/dynamodb-faults', { probability: 1 });
    const noCount = await call('POST', '/_local/dynamodb-faults', { operation: 'UpdateItem' });
    const keyOfMany = await call('POST', '/_local/dynamodb-faults', {
      operation: 'TransactWriteItems',
      keyBeginsWith: { PK: 'X' },
      failNext: 1,
    });
    const badWhen = await call('POST', '/_local/dynamodb-faults', { operation: 'PutItem', failNext: 1, when: 'later' });
    const extra = await call('POST', '/_local/dynamodb-faults', { operation: 'PutItem', failNext: 1, delay: 5 });
    const unknown = await call('POST', '/_local/dynamodb-faults', {
      function: 'nope',
      operation: 'PutItem',
      failNext: 1,
    });

    expect([noOperation, noCount, keyOfMany, badWhen, extra, unknown].map((answer) => answer.status)).toEqual([
      400, 400, 400, 400, 400, 404,
    ]);
    expect(keyOfMany.body.message).toContain('single-item operations');
    expect(ports.tableFaults).toEqual([]);
  });

  it('lists queues with depth, in-flight count and DLQ flag, and captured emails', async () => {
    expect((await call('GET', '/_local/queues')).body).toEqual({
      queues: [
        { name: 'email-dlq', url: 'http://x/000000000000/email-dlq', depth: 2, inFlight: 1, delayed: 0, isDlq: true },
      ],
    });
    expect((await call('GET', '/_local/emails')).body).toEqual({
      emails: [{ to: ['ada@example.com'], subject: 'Hi', text: 'Hello' }],
    });
  });

  it('resets through the given callback', async () => {
    const answer = await call('POST', '/_local/reset');

    expect(answer).toEqual({ status: 200, body: { reset: true } });
    expect(ports.resets).toBe(1);
  });

  /** A raw request with the headers a browser or a rebinding page would send (fetch may not set Host). */
  const raw = (method: string, path: string, headers: Record<string, string>, body = ''): Promise<number> =>
    new Promise((resolve, reject) => {
      const url = new URL(edge.url);
      const outgoing = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  it('refuses a cross-site POST to /_local/reset (a page elsewhere, no preflight) and resets nothing', async () => {
    const status = await raw(
      'POST',
      '/_local/reset',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      '{}',
    );

    expect([status, ports.resets]).toEqual([403, 0]);
  });

  it('refuses a control-plane request whose Host is not local (DNS rebinding)', async () => {
    const status = await raw('GET', '/_local/functions', { host: `rebind.evil.example:${new URL(edge.url).port}` });

    expect(status).toBe(403);
  });

  it('refuses an AWS API request whose Host is not local (DNS rebinding against the tables)', async () => {
    const status = await raw(
      'POST',
      '/',
      {
        host: 'rebind.evil.example',
        'x-amz-target': 'DynamoDB_20120810.Scan',
        'content-type': 'application/x-amz-json-1.0',
      },
      '{"TableName":"t"}',
    );

    expect(status).toBe(403);
  });

  it('serves a POST to /_local/reset from a local page', async () => {
    const status = await raw('POST', '/_local/reset', {
      origin: 'http://127.0.0.1:5173',
      host: `localhost:${new URL(edge.url).port}`,
    });

    expect([status, ports.resets]).toEqual([200, 1]);
  });

  it('answers 404 for an unknown /_local path and leaves other paths to the services', async () => {
    expect((await call('GET', '/_local/nothing')).status).toBe(404);
    expect((await fetch(`${edge.url}/elsewhere`)).status).toBe(400);
  });

  it('accepts exactly the fault requests whose values are in range', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: -3, max: 5 }), { nil: undefined }),
        fc.option(fc.double({ min: -1, max: 2, noNaN: true }), { nil: undefined }),
        (failNext, probability) => {
          const valid =
            (failNext !== undefined || probability !== undefined) &&
            (failNext === undefined || failNext >= 0) &&
            (probability === undefined || (probability >= 0 && probability <= 1));
          let accepted = true;
          try {
            parseFaultRequest({ function: 'f', failNext, probability });
          } catch {
            accepted = false;
          }
          return accepted === valid;
        },
      ),
    );
  });
});
