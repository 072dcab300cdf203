/**
 * One HTTP POST of a signed webhook. The connection's DNS lookup is ours: every resolved address is checked by
 * `addressRejection` and the connection uses only a checked one, so what is checked is what is connected to.
 * Redirects are not followed (a 3xx is a failed attempt), and the attempt is bounded by a timeout.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRejection, checkWebhookUrl, WebhookUrlRejectedError } from './url-safety';
import type { UrlPolicy } from './url-safety';

export interface DeliveryOutcome {
  /** The status code, or undefined when no response came (refused, timeout, rejected address). */
  readonly statusCode?: number;
  /** The answer's Retry-After header as sent (seconds or an HTTP date), read by core/webhooks/delivery-policy.ts. */
  readonly retryAfter?: string;
  readonly error?: string;
  readonly durationMs: number;
}

export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolveLookup, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolveLookup(addresses),
    ),
  );

export interface PostOptions {
  readonly policy: UrlPolicy;
  readonly timeoutMs: number;
  readonly resolver?: Resolver;
}

const checkedLookup =
  (policy: UrlPolicy, resolver: Resolver, url: string): LookupFunction =>
  (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const rejections = addresses.map((entry) => addressRejection(entry.address, policy));
        const firstRejection = rejections.find((rejection) => rejection !== undefined);
        if (addresses.length === 0 || firstRejection !== undefined) {
          callback(new WebhookUrlRejectedError(firstRejection ?? `${hostname} resolves to no address`, url), '', 4);
          return;
        }
        if ((options as { all?: boolean }).all)
          (callback as unknown as (error: null, all: readonly LookupAddress[]) => void)(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };

/** POSTs `body` with `headers`; never throws for network failures, it answers them in the outcome. */
export const postWebhook = async (
  target: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  options: PostOptions,
): Promise<DeliveryOutcome> => {
  const started = Date.now();
  let url: URL;
  try {
    url = checkWebhookUrl(target, options.policy);
  } catch (error) {
    return { error: (error as Error).message, durationMs: 0 };
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<DeliveryOutcome>((resolveOutcome) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'order-platform-webhooks/1',
        },
        lookup: checkedLookup(options.policy, options.resolver ?? systemResolver, target),
        timeout: options.timeoutMs,
      },
      (response) => {
        const header = response.headers['retry-after'];
        const retryAfter = header === undefined ? {} : { retryAfter: header };
        response.resume();
        response.on('end', () =>
          resolveOutcome({ statusCode: response.statusCode, ...retryAfter, durationMs: Date.now() - started }),
        );
        response.on('error', (error) =>
          resolveOutcome({
            statusCode: response.statusCode,
            ...retryAfter,
            error: error.message,
            durationMs: Date.now() - started,
          }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => resolveOutcome({ error: error.message, durationMs: Date.now() - started }));
    request.end(body);
  });
};
