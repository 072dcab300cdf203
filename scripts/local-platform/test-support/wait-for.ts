/**
 * Test support, not shipped: polls `probe` every `intervalMs` until it answers something, for the tests that follow work the
 * local cloud does asynchronously (queues, consumers, deliveries). Throws naming `what` after `timeoutMs`.
 */
export const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, intervalMs));
  }
};
