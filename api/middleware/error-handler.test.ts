import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import Koa from 'koa';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrderError } from '../../core/orders/errors';
import { WebhookError } from '../../core/webhooks/errors';
import { PartnerEventRefusedError } from '../../core/partners/errors';
import { SagaError } from '../../core/saga/errors';
import type { AppState } from '../types';
import { errorHandler } from './error-handler';

/** Errors added after the middleware was written: it knows none of them by name. */
class OrderFrozenError extends OrderError {
  constructor() {
    super('order 01J is frozen by compliance', {
      code: 'ORDER_FROZEN',
      httpStatus: 423,
      publicMessage: 'the order is frozen',
    });
    this.name = 'OrderFrozenError';
  }
}
class WebhookQuotaError extends WebhookError {
  constructor() {
    super('quota', {
      code: 'WEBHOOK_QUOTA',
      httpStatus: 429,
      details: [{ path: 'url', message: 'too many deliveries' }],
    });
    this.name = 'WebhookQuotaError';
  }
}
class PartnerBannedError extends PartnerEventRefusedError {
  constructor() {
    super('banned', { code: 'PARTNER_BANNED', httpStatus: 403 });
    this.name = 'PartnerBannedError';
  }
}
class SagaLedgerCorruptError extends SagaError {
  constructor() {
    super('ledger row 7 of order 01J is corrupt', { code: 'LEDGER_CORRUPT' });
    this.name = 'SagaLedgerCorruptError';
  }
}

const serve = async (
  error: unknown,
): Promise<{ status: number; body: unknown; retryAfter: string | null; close: () => Promise<void> }> => {
  const app = new Koa<AppState>();
  app.silent = true;
  app.use(errorHandler());
  app.use(() => {
    throw error;
  });
  const server: Server = await new Promise((resolveListen) => {
    const listening = app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
  const body: unknown = await response.json();
  return {
    status: response.status,
    body,
    retryAfter: response.headers.get('retry-after'),
    close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
  };
};

describe('the error middleware maps by class', () => {
  it.each([
    [
      'an orders error',
      new OrderFrozenError(),
      423,
      { error: { code: 'ORDER_FROZEN', message: 'the order is frozen' } },
    ],
    [
      'a webhooks error with details',
      new WebhookQuotaError(),
      429,
      {
        error: { code: 'WEBHOOK_QUOTA', message: 'quota', details: [{ path: 'url', message: 'too many deliveries' }] },
      },
    ],
    ['a partner refusal', new PartnerBannedError(), 403, { error: { code: 'PARTNER_BANNED', message: 'banned' } }],
  ])(
    'answers a new subclass of %s with its own status, code and public message',
    async (_area, error, status, body) => {
      // act
      const answer = await serve(error);
      await answer.close();
      // assess
      expect([answer.status, answer.body]).toEqual([status, body]);
    },
  );

  it('answers a platform error without an HTTP status as a 500 that hides its message', async () => {
    // act
    const answer = await serve(new SagaLedgerCorruptError());
    await answer.close();
    // assess
    expect([answer.status, answer.body]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error' } }]);
  });

  it("answers an error that is not the platform's as a 500 that hides its message", async () => {
    // act
    const answer = await serve(new Error('password=hunter2'));
    await answer.close();
    // assess
    expect([answer.status, answer.body]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error' } }]);
  });
});

/** What an adapter throws when it wraps an SDK failure: an internal platform error without a status. */
class SagaStoreFailedError extends SagaError {
  constructor(cause: unknown) {
    super('the store failed', { code: 'STORE_FAILED', cause });
    this.name = 'SagaStoreFailedError';
  }
}

const metadata = { httpStatusCode: 500, attempts: 3, totalRetryDelay: 300 };
const networkError = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });

describe('the error middleware answers a dependency failure with 503', () => {
  it.each([
    ['a DynamoDB server error', new InternalServerError({ message: 'boom', $metadata: metadata })],
    [
      'DynamoDB throttling',
      new ProvisionedThroughputExceededException({
        message: 'slow down',
        $metadata: { ...metadata, httpStatusCode: 400 },
      }),
    ],
    ['a refused connection', networkError()],
    ['an SDK timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    [
      'a refused connection the SDK wrapped into its message',
      Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'), {
        $metadata: { attempts: 4, totalRetryDelay: 30 },
      }),
    ],
    ['a refused connection wrapped by an adapter', new SagaStoreFailedError(networkError())],
  ])('answers %s as 503 DEPENDENCY_UNAVAILABLE with Retry-After', async (_what, error) => {
    // act
    const answer = await serve(error);
    await answer.close();
    // assess
    expect([answer.status, answer.body, answer.retryAfter]).toEqual([
      503,
      {
        error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'a service the API depends on is unavailable; retry later' },
      },
      '5',
    ]);
  });

  it('answers a client-side SDK error that escaped its adapter as a 500, not a 503', async () => {
    // act
    const answer = await serve(
      new ConditionalCheckFailedException({ message: 'condition', $metadata: { ...metadata, httpStatusCode: 400 } }),
    );
    await answer.close();
    // assess
    expect([answer.status, answer.retryAfter]).toEqual([500, null]);
  });
});
