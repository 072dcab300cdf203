/**
 * The random ids the API makes per request, the order's ULID and an unsampled request's trace id, drawn from a pool
 * of bytes that the CSPRNG (crypto.randomFillSync) fills 4 KB at a time, as Node does for randomUUID. ulid's own
 * generator asks crypto.getRandomValues for one byte per character, 16 calls per id, and a trace id was one
 * randomBytes call: together about 1.8% of the API's CPU per POST (docs/decisions.md). Same source, same
 * distribution (a byte / 256 picks one of ulid's 32 characters uniformly), fewer calls.
 */
import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

const pool = Buffer.alloc(4096);
let used = pool.length;

/** Makes sure `count` (<= 4096) unused bytes are left in the pool. */
const reserve = (count: number): void => {
  if (used + count > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
};

/** ulid's PRNG contract: a number in [0, 1). */
const pooledRandom = (): number => {
  reserve(1);
  const byte = pool[used];
  used += 1;
  return byte / 256;
};

/** A new ULID (time-ordered, 80 random bits), as `ulid(seedTime)` makes it: of `seedTime` (epoch ms), or now. */
export const newUlid = (seedTime?: number): string => ulid(seedTime, pooledRandom);

/** `bytes` random bytes as lower-case hex. */
export const randomHex = (bytes: number): string => {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > pool.length)
    throw new RangeError(`randomHex takes 0 to ${pool.length} bytes, not ${bytes}`);
  reserve(bytes);
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
};
