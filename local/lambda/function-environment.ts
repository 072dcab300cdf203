/**
 * Per-invocation environments for functions that run in one Node process.
 *
 * Lambda gives every function its own process.env. In-process, concurrent invocations of different functions share
 * one process, so `process.env` is replaced once by a Proxy that reads and writes the environment of the invocation
 * whose async context is current (AsyncLocalStorage), and the real environment outside any invocation. A handler
 * that sets a variable changes only its own invocation's copy.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<Record<string, string>>();
let installed = false;

const scoped = (): Record<string, string> | undefined => storage.getStore();

/** Replaces process.env with the invocation-aware Proxy. Idempotent; the real variables stay visible outside invocations. */
export const installEnvironmentIsolation = (): void => {
  if (installed) return;
  installed = true;
  const host = process.env;
  process.env = new Proxy(host, {
    get: (target, key) => {
      const env = scoped();
      if (env && typeof key === 'string') return Object.hasOwn(env, key) ? env[key] : undefined;
      return Reflect.get(target, key);
    },
    set: (target, key, value: unknown) => {
      const env = scoped();
      if (env && typeof key === 'string') {
        env[key] = String(value);
        return true;
      }
      return Reflect.set(target, key, typeof value === 'string' ? value : String(value));
    },
    has: (target, key) => {
      const env = scoped();
      return env && typeof key === 'string' ? Object.hasOwn(env, key) : Reflect.has(target, key);
    },
    deleteProperty: (target, key) => {
      const env = scoped();
      if (env && typeof key === 'string') return delete env[key];
      return Reflect.deleteProperty(target, key);
    },
    ownKeys: (target) => {
      const env = scoped();
      return env ? Reflect.ownKeys(env) : Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor: (target, key) => {
      const env = scoped();
      if (env && typeof key === 'string') {
        return Object.hasOwn(env, key)
          ? { value: env[key], writable: true, enumerable: true, configurable: true }
          : undefined;
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
};

/** Runs `work` with `environment` as its process.env (a private copy, so writes stay inside). */
export const runWithEnvironment = <T>(environment: Readonly<Record<string, string>>, work: () => T): T => {
  installEnvironmentIsolation();
  return storage.run({ ...environment }, work);
};

/** The real environment, as the host process sees it outside any invocation. */
export const hostEnvironment = (): Record<string, string> =>
  storage.exit(() =>
    Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
  );
