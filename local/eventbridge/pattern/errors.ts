/** A malformed event pattern; the EventBridge emulation answers it as InvalidEventPatternException. */
export class EventPatternInvalidError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Event pattern is not valid. Reason: ${reason}`, options);
    this.name = 'EventPatternInvalidError';
  }
}
