/**
 * DynamoDB Local's real process killed under the API (issue 15): every route that needs the table answers 503
 * DEPENDENCY_UNAVAILABLE with Retry-After instead of 500, /ready reports the table unreachable, and /health stays
 * a liveness answer. The harness is the API's own composition (createApp) over DynamoDB Local.
 */
import { ulid } from 'ulid';
import { startApiHarness } from './test-support/api-harness';
import type { ApiHarness } from './test-support/api-harness';

const ORDER = { items: [{ productId: 'espresso-beans', quantity: 1 }], paymentToken: 'tok_visa' };

const exited = async (pid: number): Promise<void> => {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
};

describe('the API and its DynamoDB', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  }, 120_000);
  afterAll(async () => {
    await api.stop();
  }, 30_000);

  it('answers /ready with 200 and every check ok while DynamoDB runs', async () => {
    // act
    const response = await fetch(`${api.url}/ready`);
    // assess
    expect([response.status, await response.json()]).toEqual([
      200,
      { status: 'ready', checks: { dynamodb: 'ok', eventbridge: 'ok' } },
    ]);
  });

  describe('after DynamoDB Local was killed', () => {
    beforeAll(async () => {
      process.kill(api.local.dynamo.pid, 'SIGKILL');
      await exited(api.local.dynamo.pid);
    }, 30_000);

    it('answers a list of orders with 503 DEPENDENCY_UNAVAILABLE and Retry-After', async () => {
      // act
      const response = await fetch(`${api.url}/api/orders`, { headers: await api.authHeader('alice') });
      // assess
      expect([
        response.status,
        response.headers.get('retry-after'),
        ((await response.json()) as { error: { code: string } }).error.code,
      ]).toEqual([503, '5', 'DEPENDENCY_UNAVAILABLE']);
    });

    it('answers a new order with 503 DEPENDENCY_UNAVAILABLE, never 500', async () => {
      // act
      const response = await fetch(`${api.url}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': ulid(), ...(await api.authHeader('bob')) },
        body: JSON.stringify(ORDER),
      });
      // assess
      expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([
        503,
        'DEPENDENCY_UNAVAILABLE',
      ]);
    });

    it('answers /ready with 503 naming DynamoDB as unavailable', async () => {
      // act
      const response = await fetch(`${api.url}/ready`);
      // assess
      expect([response.status, await response.json()]).toEqual([
        503,
        { status: 'unavailable', checks: { dynamodb: 'unavailable', eventbridge: 'ok' } },
      ]);
    });

    it('still answers /health with 200: liveness touches no dependency', async () => {
      // act
      const response = await fetch(`${api.url}/health`);
      // assess
      expect(response.status).toBe(200);
    });
  });
});
