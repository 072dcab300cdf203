/**
 * Time for the local SQS, abstracted so tests can move it forward instead of waiting.
 *
 * `now()` is epoch milliseconds that never go backwards (wall-clock start + monotonic elapsed time), so a system
 * clock adjustment cannot make a visibility timeout or delay expire early or late.
 */
export interface Clock {
  now(): number;
  /** Calls `listener` whenever time jumps (a manual clock's advance); answers an unsubscribe function. */
  onAdvance(listener: () => void): () => void;
}

/** The real clock: wall-clock origin plus `performance.now()`. Time never jumps, so listeners are never called. */
export const systemClock: Clock = {
  now: () => Math.floor(performance.timeOrigin + performance.now()),
  onAdvance: () => () => undefined,
};

/** A clock that only moves when told to, for fast tests of visibility timeouts, delays and retention. */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  advance(milliseconds: number): void {
    if (!(milliseconds >= 0)) throw new RangeError(`A clock only moves forward, not by ${milliseconds} ms`);
    this.current += milliseconds;
    for (const listener of [...this.listeners]) listener();
  }
}
