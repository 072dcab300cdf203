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
    super('order 01J is frozen by compliance', { code: 'ORDER_FROZEN', httpStatus: 423, publicMessage: 'the order is frozen' });
    this.name = 'OrderFrozenError';
  }
}
class WebhookQuotaError extends WebhookError {
  constructor() {
    super('quota', { code: 'WEBHOOK_QUOTA', httpStatus: 429, details: [{ path: 'url', message: 'too many deliveries' }] });
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

const serve = async (error: unknown): Promise<{ status: number; body: unknown; close: () => Promise<void> }> => {
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
  return { status: response.status, body, close: () => new Promise((resolveClose) => server.close(() => resolveClose())) };
};

describe('the error middleware maps by class', () => {
  it.each([
    ['an orders error', new OrderFrozenError(), 423, { error: { code: 'ORDER_FROZEN', message: 'the order is frozen' } }],
    ['a webhooks error with details', new WebhookQuotaError(), 429, { error: { code: 'WEBHOOK_QUOTA', message: 'quota', details: [{ path: 'url', message: 'too many deliveries' }] } }],
    ['a partner refusal', new PartnerBannedError(), 403, { error: { code: 'PARTNER_BANNED', message: 'banned' } }],
  ])('answers a new subclass of %s with its own status, code and public message', async (_area, error, status, body) => {
    // act
    const answer = await serve(error);
    await answer.close();
    // assess
    expect([answer.status, answer.body]).toEqual([status, body]);
  });

  it('answers a platform error without an HTTP status as a 500 that hides its message', async () => {
    // act
    const answer = await serve(new SagaLedgerCorruptError());
    await answer.close();
    // assess
    expect([answer.status, answer.body]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error' } }]);
  });

  it('answers an error that is not the platform\'s as a 500 that hides its message', async () => {
    // act
    const answer = await serve(new Error('password=hunter2'));
    await answer.close();
    // assess
    expect([answer.status, answer.body]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error' } }]);
  });

});
