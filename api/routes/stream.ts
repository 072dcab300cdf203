/**
 * GET /api/stream: the dashboard's live feed as server-sent events.
 *  - `event: event`, data: a bus event as GET /api/events answers it (admin: every event; a customer: the events
 *    whose detail.customerId is theirs);
 *  - `event: order`, data: the order as GET /api/orders/:id answers it, whenever an event about it is recorded
 *    (admin: every order; a customer: their own);
 *  - a `retry:` hint first, and a comment line every `heartbeatMs` (15 s: under the ALB's 60 s idle timeout).
 *
 * One `OrderFeed` per API process serves every connection: while anyone listens it reads the events log
 * (GSI1, newest first) every `pollMs` for events recorded in the last `lookbackMs`, keeps the ids it has seen so a
 * late-recorded event is sent once, and fans out in memory. With no subscriber its interval is stopped.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { Logger } from '@aws-lambda-powertools/logger';
import { PassThrough } from 'node:stream';
import type { Order } from '../../core/domain/order';
import type { DynamoDashboardQueries } from '../../core/store/dashboard-queries';
import type { EventRecord } from '../../core/events/ports';
import type { OrderRepository } from '../../core/orders/ports';
import { requireCaller } from '../middleware/auth';
import type { AppState, Caller } from '../types';
import { presentOrder } from './presenters';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export interface OrderFeedOptions {
  readonly queries: Pick<DynamoDashboardQueries, 'eventsAfter'>;
  readonly store: Pick<OrderRepository, 'getOrder'>;
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** How often the events log is read while someone listens. */
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
  /** How far back each read looks, so an event recorded late (its time before the previous read) is still sent. */
  readonly lookbackMs?: number;
  /** Events read per poll at most. */
  readonly batchLimit?: number;
  /** A subscriber whose unsent output exceeds this is dropped (a stalled client must not hold memory). */
  readonly maxBufferedBytes?: number;
  readonly now?: () => number;
}

/** One connection's end of the feed. `send` gets whole SSE frames; `close` ends the connection. */
export interface FeedSubscriber {
  readonly caller: Caller;
  send(frame: string): void;
  bufferedBytes(): number;
  close(): void;
}

/** One SSE frame; JSON.stringify never emits a raw newline, so `data` is one line. */
export const sseFrame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Whether `caller` may see `record`: the admin every event, a customer those naming them as detail.customerId. */
export const mayReceiveEvent = (caller: Caller, record: EventRecord): boolean =>
  caller.isAdmin || record.detail.customerId === caller.customerId;

export class OrderFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  /** eventId -> the event's time, for events inside the lookback (pruned as they leave it). */
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private startedAt = 0;
  private lastHeartbeat = 0;
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly lookbackMs: number;
  private readonly batchLimit: number;
  private readonly maxBufferedBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: OrderFeedOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.lookbackMs = options.lookbackMs ?? 30_000;
    this.batchLimit = options.batchLimit ?? 500;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Whether the polling interval is running (only while someone listens). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Adds a subscriber; the returned function removes it (idempotent) and stops the interval after the last one. */
  subscribe(subscriber: FeedSubscriber): () => void {
    this.subscribers.add(subscriber);
    if (this.timer === undefined) {
      this.startedAt = this.now();
      this.lastHeartbeat = this.startedAt;
      this.seen.clear();
      this.timer = setInterval(() => void this.tick(), this.pollMs);
    }
    return () => this.unsubscribe(subscriber);
  }

  /** Stops everything and closes every connection (server shutdown). */
  close(): void {
    for (const subscriber of [...this.subscribers]) {
      this.unsubscribe(subscriber);
      subscriber.close();
    }
  }

  /** One read of the events log and its fan-out; the interval calls it, tests may too. */
  async tick(): Promise<void> {
    if (this.polling || this.subscribers.size === 0) return;
    this.polling = true;
    try {
      const now = this.now();
      if (now - this.lastHeartbeat >= this.heartbeatMs) {
        this.lastHeartbeat = now;
        this.broadcast(() => true, `: heartbeat ${new Date(now).toISOString()}\n\n`);
      }
      // Nothing from before this feed started (minus clock slack between publisher and API), nothing older than the lookback.
      const floor = new Date(Math.max(this.startedAt - 2000, now - this.lookbackMs)).toISOString();
      for (const [eventId, time] of this.seen) if (time <= floor) this.seen.delete(eventId);
      const records = await this.options.queries.eventsAfter(floor, this.batchLimit);
      const fresh = records.filter((record) => !this.seen.has(record.eventId)).reverse();
      if (fresh.length === 0) return;
      for (const record of fresh) this.seen.set(record.eventId, record.time);
      for (const record of fresh)
        this.broadcast((caller) => mayReceiveEvent(caller, record), sseFrame('event', record));
      const orderIds = [
        ...new Set(fresh.map((record) => record.detail.orderId).filter((id): id is string => typeof id === 'string')),
      ];
      const orders = await Promise.all(orderIds.map((orderId) => this.options.store.getOrder(orderId)));
      for (const order of orders.filter((found): found is Order => found !== undefined)) {
        this.broadcast(
          (caller) => caller.isAdmin || caller.customerId === order.customerId,
          sseFrame('order', presentOrder(order)),
        );
      }
    } catch (error) {
      this.options.logger.error(
        'the live feed could not read the events log; retrying on the next tick',
        error as Error,
      );
    } finally {
      this.polling = false;
    }
  }

  private broadcast(allowed: (caller: Caller) => boolean, frame: string): void {
    for (const subscriber of [...this.subscribers]) {
      if (!allowed(subscriber.caller)) continue;
      if (subscriber.bufferedBytes() > this.maxBufferedBytes) {
        this.options.logger.warn('a live-feed client stopped reading; its connection is closed', {
          customerId: subscriber.caller.customerId,
        });
        this.unsubscribe(subscriber);
        subscriber.close();
        continue;
      }
      subscriber.send(frame);
    }
  }

  private unsubscribe(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.seen.clear();
    }
  }
}

export const STREAM_ROUTES = {
  get: {
    method: 'get',
    path: '/api/stream',
    summary:
      "Server-sent events: `event: order` (an order as GET /api/orders/{id} answers it) when one of the caller's orders changes, `event: event` (an EventRecord) for the caller's bus events; the admin gets all. Heartbeat comments every 15 s. EventSource may pass the token as ?access_token= with Accept: text/event-stream.",
    query: z.object({ access_token: z.string().optional() }),
    responses: {
      200: { description: 'the stream', contentType: 'text/event-stream', body: z.string() },
      401: errorAnswer('no or an invalid token'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export interface StreamRouterDeps {
  readonly feed: OrderFeed;
  /** The reconnection delay EventSource is told to use. */
  readonly retryMs?: number;
}

export const streamRouter = (deps: StreamRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, STREAM_ROUTES.get, (ctx) => {
    const caller = requireCaller(ctx);
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('Connection', 'keep-alive');
    // Proxies (nginx and friends) must not buffer the stream.
    ctx.set('X-Accel-Buffering', 'no');
    ctx.status = 200;
    ctx.body = stream;
    stream.write(`retry: ${deps.retryMs ?? 3000}\n: connected\n\n`);
    const unsubscribe = deps.feed.subscribe({
      caller,
      send: (frame) => {
        if (!stream.writableEnded) stream.write(frame);
      },
      bufferedBytes: () => stream.writableLength + (ctx.res.writableLength ?? 0),
      close: () => stream.end(),
    });
    const done = (): void => {
      unsubscribe();
      if (!stream.writableEnded) stream.end();
    };
    ctx.res.once('close', done);
    stream.once('error', done);
  });
  return router;
};
