/**
 * Handler worker threads for the local Lambda (issue 18): functions registered from a module run in a few worker
 * threads (handler-worker.ts) instead of on the event loop of the edge and the emulations. Each worker runs many
 * invocations at once, as the in-process runtime does; a burst waits in the engine for a free place (at most
 * `maxConcurrentPerThread` invocations per worker) instead of piling into the workers, and the wait is not part of
 * the invocation (its timeout and billed duration start once it runs), as a throttled invocation's is not in AWS.
 *
 * A worker that dies (an uncaught exception in a handler) is replaced; its invocations in flight answer
 * Runtime.ExitError, as Lambda's do when the runtime process exits.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { hostEnvironment } from './function-environment';
import type { ContextData, HandlerWorkerData, RemoteOutcome, WorkerReply, WorkerRequest } from './handler-protocol';
import {
  type HandlerModule,
  type HandlerPoolOptions,
  type HandlerPoolStats,
  type InvocationError,
  LambdaInvalidParameterError,
} from './types';

/** The invocation's request to a worker, less what the pool adds (the id, the module). */
export interface RemoteInvocation {
  readonly event: unknown;
  readonly context: ContextData;
  readonly environment: Readonly<Record<string, string>>;
  readonly traced: boolean;
}

/** A worker's reply, or the end of the worker before it replied. */
type Reply = WorkerReply | { readonly type: 'exit'; readonly id: number; readonly reason: string };

interface Thread {
  readonly worker: Worker;
  /** Modules asked to load in this worker (a replaced worker starts with none). */
  readonly loaded: Set<string>;
  /** Replies awaited, by request id. */
  readonly pending: Map<number, (reply: Reply) => void>;
}

/** The tsx CommonJS hook, so a worker loads TypeScript (handler-worker.ts, the handler modules) under tsx and jest alike. */
const bootstrap = (): string =>
  `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\n` +
  `require(${JSON.stringify(join(__dirname, 'handler-worker.ts'))});\n`;

const exitError = (requestId: string, reason: string): InvocationError => ({
  errorType: 'Runtime.ExitError',
  errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${reason}`,
});

/** How long a stop waits for the invocations in flight before it ends the workers. */
const CLOSE_GRACE_MS = 2000;

export class HandlerPool {
  readonly threads: number;
  private readonly maxConcurrent: number;
  private readonly workerData: HandlerWorkerData;
  private readonly workers: Thread[] = [];
  /** Invocations placed per worker (by index; a replaced worker keeps its index). */
  private readonly placed: number[] = [];
  private readonly waiting: ((index: number) => void)[] = [];
  private maxQueued = 0;
  private restarts = 0;
  private nextId = 1;
  private closed = false;

  constructor(options: HandlerPoolOptions) {
    const { threads, maxConcurrentPerThread = 32, niceness = 10 } = options;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64)
      throw new LambdaInvalidParameterError(`handler threads must be 1 to 64, not ${String(threads)}`);
    if (!Number.isInteger(maxConcurrentPerThread) || maxConcurrentPerThread < 1)
      throw new LambdaInvalidParameterError(
        `maxConcurrentPerThread must be a positive integer, not ${String(maxConcurrentPerThread)}`,
      );
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
      throw new LambdaInvalidParameterError(`niceness must be 0 to 19, not ${String(niceness)}`);
    this.threads = threads;
    this.maxConcurrent = maxConcurrentPerThread;
    this.workerData = {
      niceness,
      ...(options.daemonAddress === undefined ? {} : { daemonAddress: options.daemonAddress }),
    };
    for (let index = 0; index < threads; index += 1) {
      this.placed.push(0);
      this.workers.push(this.spawn(index));
    }
  }

  stats(): HandlerPoolStats {
    return {
      threads: this.threads,
      running: this.placed.reduce((sum, n) => sum + n, 0),
      queued: this.waiting.length,
      maxQueued: this.maxQueued,
      restarts: this.restarts,
    };
  }

  /** The worker threads' ids (tests). */
  threadIds(): number[] {
    return this.workers.map((thread) => thread.worker.threadId);
  }

  /** Loads the modules in every worker now (Lambda's init phase at start); rejects with the first load error. */
  async load(modules: readonly HandlerModule[]): Promise<void> {
    const replies = this.workers.flatMap((thread) => modules.map((module) => this.loadIn(thread, module)));
    for (const [index, reply] of (await Promise.all(replies)).entries()) {
      const failure: InvocationError | undefined =
        reply.type === 'exit'
          ? { errorType: 'Runtime.ExitError', errorMessage: `A handler worker exited while loading: ${reply.reason}` }
          : reply.type === 'loaded'
            ? reply.error
            : undefined;
      if (failure !== undefined) {
        const error = new Error(`${modules[index % modules.length]?.entry}: ${failure.errorMessage}`);
        error.name = failure.errorType;
        throw error;
      }
    }
  }

  /**
   * Waits for a place in a worker (the least busy one) and answers its index; `release` gives the place back. Busy
   * counts what the worker is still running: an invocation the engine gave up on (timed out) holds no place but may
   * still run there, and a worker stuck in one (a synchronous loop) then gets no new work while another has room.
   */
  async place(): Promise<number> {
    const busy = (index: number): number =>
      Math.max(this.placed[index] as number, this.workers[index]?.pending.size ?? 0);
    let best = -1;
    for (let index = 0; index < this.placed.length; index += 1)
      if (this.placed[index] < this.maxConcurrent && (best < 0 || busy(index) < busy(best))) best = index;
    if (best >= 0 || this.closed) {
      const index = Math.max(best, 0);
      this.placed[index] += 1;
      return index;
    }
    return new Promise<number>((resolve) => {
      this.waiting.push(resolve);
      this.maxQueued = Math.max(this.maxQueued, this.waiting.length);
    });
  }

  release(index: number): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(index);
    else this.placed[index] -= 1;
  }

  /** Runs one invocation of `module` in the worker `index` (from `place`). */
  async invoke(index: number, module: HandlerModule, invocation: RemoteInvocation): Promise<RemoteOutcome> {
    const thread = this.workers[index];
    if (this.closed || thread === undefined)
      return { error: exitError(invocation.context.awsRequestId, 'the local cloud stopped') };
    // Ordered behind the load on the same port: a replaced worker loads the module on its first invocation.
    if (!thread.loaded.has(module.entry)) void this.loadIn(thread, module);
    const reply = await this.request(thread, (id) => ({ type: 'invoke', id, entry: module.entry, ...invocation }));
    if (reply.type === 'result') return { result: JSON.parse(reply.json) as unknown };
    if (reply.type === 'error') return { error: reply.error };
    return {
      error: exitError(invocation.context.awsRequestId, reply.type === 'exit' ? reply.reason : 'unexpected reply'),
    };
  }

  /**
   * Ends the workers once the invocations in flight have finished, or after `graceMs` (those still running answer
   * Runtime.ExitError); nothing new starts meanwhile. In-process, a running handler finished on its own at a stop.
   */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closed = true;
    // The waiting get a place they will find closed (their invocations answer Runtime.ExitError at once).
    for (const resolve of this.waiting.splice(0)) {
      this.placed[0] += 1;
      resolve(0);
    }
    const until = Date.now() + graceMs;
    while (Date.now() < until && this.workers.some((thread) => thread.pending.size > 0))
      await new Promise((wake) => setTimeout(wake, 20));
    await Promise.all(this.workers.map((thread) => thread.worker.terminate()));
  }

  private loadIn(thread: Thread, module: HandlerModule): Promise<Reply> {
    thread.loaded.add(module.entry);
    return this.request(thread, (id) => ({ type: 'load', id, module }));
  }

  private request(thread: Thread, message: (id: number) => WorkerRequest): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      thread.pending.set(id, resolve);
      thread.worker.postMessage(message(id));
    });
  }

  private spawn(index: number): Thread {
    const worker = new Worker(bootstrap(), {
      eval: true,
      workerData: this.workerData,
      // The host's variables, never an invocation's (a worker replaced from inside one would inherit it).
      env: hostEnvironment(),
      name: `lambda-handlers-${index}`,
    });
    const thread: Thread = { worker, loaded: new Set(), pending: new Map() };
    let reason = 'exit status 0';
    worker.on('message', (reply: WorkerReply) => {
      const resolve = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      resolve?.(reply);
    });
    worker.on('error', (error) => {
      reason = `${error.name}: ${error.message}`;
    });
    worker.once('exit', (code) => {
      if (reason === 'exit status 0' && code !== 0) reason = `exit status ${code}`;
      if (this.closed) reason = 'the local cloud stopped';
      for (const [id, resolve] of thread.pending) resolve({ type: 'exit', id, reason });
      thread.pending.clear();
      if (!this.closed) {
        this.restarts += 1;
        this.workers[index] = this.spawn(index);
      }
    });
    // Workers never keep the process alive on their own: the cloud's servers do, and stop() ends them.
    worker.unref();
    return thread;
  }
}
