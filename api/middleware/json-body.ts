/**
 * Reads a JSON request body: 415 unless the content type is JSON (utf-8, not compressed), 413 over the limit
 * (checked against Content-Length before reading, and while reading), 400 for malformed JSON.
 */
import type { ParameterizedContext } from 'koa';
import { ApiError } from '../errors';
import type { AppState } from '../types';

export const MAX_BODY_BYTES = 256 * 1024;

const isJson = (contentType: string): boolean => {
  const [media, ...params] = contentType.toLowerCase().split(';').map((part) => part.trim());
  if (media !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(media)) return false;
  const charset = params.find((param) => param.startsWith('charset='));
  return charset === undefined || charset === 'charset=utf-8' || charset === 'charset="utf-8"';
};

export const readJsonBody = async (ctx: ParameterizedContext<AppState>, limit = MAX_BODY_BYTES): Promise<unknown> => {
  const declared = ctx.get('content-length');
  if (declared !== '' && Number(declared) > limit) {
    ctx.set('Connection', 'close');
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${limit} bytes`);
  }
  if (!isJson(ctx.get('content-type'))) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json (utf-8)');
  const encoding = ctx.get('content-encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'compressed bodies are not accepted');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) {
      ctx.set('Connection', 'close');
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'MALFORMED_JSON', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ApiError(400, 'MALFORMED_JSON', 'the body is not valid JSON', undefined, { cause });
  }
};
