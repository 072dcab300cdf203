/**
 * Reads a JSON request body with co-body (raw-body underneath): 415 unless the content type is JSON and the body is
 * not compressed, 413 over the limit (raw-body checks Content-Length before reading and counts while reading), 400
 * for an empty body, malformed JSON, a non-object/array document or a `__proto__` key (prototype poisoning).
 * Routes call it, so an unknown route is a 404 whatever its body.
 */
import coBody from 'co-body';
import type { ParameterizedContext } from 'koa';
import { ApiError } from '../errors';
import type { AppState } from '../types';

export const MAX_BODY_BYTES = 256 * 1024;

/** What raw-body and co-body throw: an http-errors style error with a status and a `type`. */
interface BodyReadError {
  readonly status?: number;
  readonly type?: string;
}

/**
 * The charset a Content-Type names, lower-cased; undefined when it names none. JSON is UTF-8 (RFC 8259); a body
 * declared in another charset would be decoded as something else, or not at all, so it is refused with 415.
 */
export const declaredCharset = (contentType: string): string | undefined => {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
};

const tooLarge = (limit: number) => new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${limit} bytes`);

export const readJsonBody = async (ctx: ParameterizedContext<AppState>, limit = MAX_BODY_BYTES): Promise<unknown> => {
  if (!ctx.is('application/json', '+json'))
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json (utf-8)');
  const charset = declaredCharset(ctx.get('content-type'));
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json in utf-8, not ${charset}`);
  const encoding = ctx.get('content-encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity')
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'compressed bodies are not accepted');
  let read: { parsed: unknown; raw: string };
  try {
    read = (await coBody.json(ctx, { limit, strict: true, returnRawBody: true })) as { parsed: unknown; raw: string };
  } catch (cause) {
    const { status, type } = cause as BodyReadError;
    if (status === 413) {
      ctx.set('Connection', 'close');
      throw tooLarge(limit);
    }
    if (status === 415)
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json (utf-8)', undefined, {
        cause,
      });
    if (status === 400 && type !== undefined && type !== 'entity.parse.failed')
      throw new ApiError(400, 'BAD_REQUEST', 'the body could not be read as sent', undefined, { cause });
    if (status === 400)
      throw new ApiError(400, 'MALFORMED_JSON', 'the body is not a valid JSON object or array', undefined, { cause });
    throw cause;
  }
  if (read.raw.trim() === '') throw new ApiError(400, 'MALFORMED_JSON', 'the body is empty; send a JSON object');
  return read.parsed;
};
