/** GET /api/orders/:id/receipt -> {url, expiresAt}: a short-lived presigned GET of receipts/{orderId}.pdf. */
import { GetObjectCommand, HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type Router from '@koa/router';
import { OrderIdSchema } from '../../core/domain/ids';
import { receiptKey } from '../../core/receipts/receipt-pdf';
import type { OrderRepository } from '../../core/orders/ports';
import { ApiError } from '../errors';
import { requireCaller } from '../middleware/auth';
import type { AppState } from '../types';

export interface ReceiptRoutesDeps {
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly now: () => Date;
  /** Lifetime of the presigned URL. */
  readonly urlTtlSeconds?: number;
}


const exists = async (s3: S3Client, bucket: string, key: string): Promise<boolean> => {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NotFound || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return false;
    throw error;
  }
};

export const registerReceiptRoutes = (router: Router<AppState>, deps: ReceiptRoutesDeps): void => {
  const ttl = deps.urlTtlSeconds ?? 300;
  router.get('/api/orders/:id/receipt', async (ctx) => {
    const caller = requireCaller(ctx);
    const orderId = OrderIdSchema.safeParse(ctx.params.id);
    const order = orderId.success ? await deps.store.getOrder(orderId.data) : undefined;
    if (order === undefined || (order.customerId !== caller.customerId && !caller.isAdmin)) throw new ApiError(404, 'NOT_FOUND', 'no such order');
    const key = receiptKey(order.orderId);
    if (!(await exists(deps.s3, deps.bucket, key))) throw new ApiError(404, 'RECEIPT_NOT_READY', 'the receipt does not exist (yet): it is made once the order is confirmed');
    const signedAt = deps.now();
    const url = await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.bucket, Key: key, ResponseContentType: 'application/pdf' }), { expiresIn: ttl, signingDate: signedAt });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { url, expiresAt: new Date(signedAt.getTime() + ttl * 1000).toISOString() };
  });
};
