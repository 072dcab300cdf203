import fc from 'fast-check';
import { startEdge, type RunningEdge } from '../edge/server';
import { controlPlaneRoute, parseFaultRequest, type ControlPlanePorts, type FaultSettings } from './control-plane';

class FakePorts implements ControlPlanePorts {
  readonly faults = new Map<string, FaultSettings>();
  resets = 0;
  readonly functions = {
    listFunctions: () => [{ name: 'send-email', arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-email' }],
    injectFault: (name: string, faults: FaultSettings) => {
      if (name !== 'send-email') throw Object.assign(new Error(`Function not found: ${name}`), { name: 'LambdaFunctionNotFoundError' });
      this.faults.set(name, faults);
    },
    clearFaults: (name?: string) => (name ? this.faults.delete(name) : this.faults.clear()) && undefined,
  };
  readonly queues = { listQueues: () => [{ name: 'email-dlq', url: 'http://x/000000000000/email-dlq', arn: 'arn', visible: 2, inFlight: 1, delayed: 0, isDlq: true }] };
  readonly emails = { emails: () => [{ to: ['ada@example.com'], subject: 'Hi', text: 'Hello' }] };
  reset = async (): Promise<void> => {
    this.resets += 1;
  };
}

describe('control plane /_local', () => {
  let edge: RunningEdge;
  let ports: FakePorts;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${edge.url}${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    ports = new FakePorts();
    edge = await startEdge({ services: [], extraRoutes: [controlPlaneRoute(ports)] });
  });
  afterEach(() => edge.close());

  it('lists function names and ARNs', async () => {
    expect(await call('GET', '/_local/functions')).toEqual({ status: 200, body: { functions: [{ name: 'send-email', arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-email' }] } });
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
    const injected = await call('POST', '/_local/faults', { function: 'send-email', failAfterNext: 1, errorType: 'Lambda.Unknown' });
    const bad = await call('POST', '/_local/faults', { function: 'send-email', failAfterNext: 1, errorType: 'no spaces allowed' });

    expect(injected.status).toBe(200);
    expect(ports.faults.get('send-email')).toEqual({ failAfterNext: 1, errorType: 'Lambda.Unknown' });
    expect(bad.status).toBe(400);
  });

  it('answers 400 for bad fault input and 404 for an unknown function, changing nothing', async () => {
    const bad = await call('POST', '/_local/faults', { function: 'send-email', probability: 2 });
    const notJson = await call('POST', '/_local/faults', '{oops');
    const unknown = await call('POST', '/_local/faults', { function: 'nope', failNext: 1 });

    expect([bad.status, notJson.status, unknown.status]).toEqual([400, 400, 404]);
    expect(bad.body.message).toContain('probability');
    expect(ports.faults.size).toBe(0);
  });

  it('lists queues with depth, in-flight count and DLQ flag, and captured emails', async () => {
    expect((await call('GET', '/_local/queues')).body).toEqual({ queues: [{ name: 'email-dlq', url: 'http://x/000000000000/email-dlq', depth: 2, inFlight: 1, delayed: 0, isDlq: true }] });
    expect((await call('GET', '/_local/emails')).body).toEqual({ emails: [{ to: ['ada@example.com'], subject: 'Hi', text: 'Hello' }] });
  });

  it('resets through the given callback', async () => {
    const answer = await call('POST', '/_local/reset');

    expect(answer).toEqual({ status: 200, body: { reset: true } });
    expect(ports.resets).toBe(1);
  });

  it('answers 404 for an unknown /_local path and leaves other paths to the services', async () => {
    expect((await call('GET', '/_local/nothing')).status).toBe(404);
    expect((await fetch(`${edge.url}/elsewhere`)).status).toBe(400);
  });

  it('accepts exactly the fault requests whose values are in range', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: -3, max: 5 }), { nil: undefined }), fc.option(fc.double({ min: -1, max: 2, noNaN: true }), { nil: undefined }), (failNext, probability) => {
        const valid = (failNext !== undefined || probability !== undefined) && (failNext === undefined || failNext >= 0) && (probability === undefined || (probability >= 0 && probability <= 1));
        let accepted = true;
        try {
          parseFaultRequest({ function: 'f', failNext, probability });
        } catch {
          accepted = false;
        }
        return accepted === valid;
      }),
    );
  });
});
