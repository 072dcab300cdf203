/**
 * GET /api/orders/:id/receipt -> {url, expiresAt}: a short-lived presigned GET of receipts/{orderId}.pdf (owner or
 * admin). A FAILED order never gets one, so it answers its own 409 rather than "not ready (yet)".
 */
import { GetObjectCommand, HeadObjectCommand, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import Router from '@koa/router';
import { z } from 'zod';
import { OrderIdSchema } from '../../core/domain/ids';
import type { OrderRepository } from '../../core/orders/ports';
import { receiptKey } from '../../core/receipts/receipt-pdf';
import { ApiError, ApiNotConfiguredError } from '../errors';
import { requireCaller } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, IdParams, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export interface ReceiptsRouterDeps {
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly s3: S3Client;
  /** RECEIPTS_BUCKET; undefined when the API was started without it (the route answers 503). */
  readonly bucket: string | undefined;
  readonly now: () => Date;
  /** Lifetime of the presigned URL. */
  readonly urlTtlSeconds?: number;
}

export const RECEIPTS_ROUTES = {
  get: {
    method: 'get',
    path: '/api/orders/:id/receipt',
    summary: 'A short-lived presigned URL of the PDF receipt (owner or admin)',
    params: IdParams,
    responses: {
      200: { description: 'the URL', body: z.object({ url: z.string(), expiresAt: z.string() }) },
      404: errorAnswer('no such order, or no receipt yet (RECEIPT_NOT_READY)'),
      409: errorAnswer('the order failed: it never gets a receipt (NO_RECEIPT_ORDER_FAILED)'),
      503: errorAnswer('the API was started without RECEIPTS_BUCKET'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

const exists = async (s3: S3Client, bucket: string, key: string): Promise<boolean> => {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NotFound || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404))
      return false;
    throw error;
  }
};

export const receiptsRouter = (deps: ReceiptsRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  const ttl = deps.urlTtlSeconds ?? 300;
  on(router, RECEIPTS_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.store.getOrder(orderId.data) : undefined;
    if (order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin))
      throw new ApiError(404, 'NOT_FOUND', 'no such order');
    if (order.status === 'FAILED')
      throw new ApiError(409, 'NO_RECEIPT_ORDER_FAILED', 'the order failed, so it has no receipt and never will');
    const bucket = deps.bucket;
    if (bucket === undefined) throw new ApiNotConfiguredError('RECEIPTS_BUCKET');
    const key = receiptKey(order.orderId);
    if (!(await exists(deps.s3, bucket, key)))
      throw new ApiError(
        404,
        'RECEIPT_NOT_READY',
        'the receipt does not exist (yet): it is made once the order is confirmed',
      );
    const signedAt = deps.now();
    const url = await getSignedUrl(
      deps.s3,
      new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentType: 'application/pdf' }),
      { expiresIn: ttl, signingDate: signedAt },
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { url, expiresAt: new Date(signedAt.getTime() + ttl * 1000).toISOString() };
  });
  return router;
};
