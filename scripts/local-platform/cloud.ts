/**
 * The platform on the local cloud: starts @order-platform/local-cloud with the platform's description
 * (./description.ts) and the `local` stage prefix. What `npm start`, the benchmarks, the browser tests and the
 * integration tests call; they see the same RunningLocalCloud as before the package was cut out.
 *
 *   const cloud = await startLocalCloud({ edgePort: 4566, seed });
 *   // run the API with { ...process.env, ...cloud.env }
 *   await cloud.stop();
 */
import { resolve } from 'node:path';
import { startCloud, type LocalCloudOptions, type RunningLocalCloud } from '@order-platform/local-cloud';
import { physicalName } from '../../core/platform/resources';
import { platformDescription } from './description';

export type { LocalCloudContext, RunningLocalCloud } from '@order-platform/local-cloud';
export { LocalCloudPortInUseError, LocalCloudStartError } from '@order-platform/local-cloud';

export const LOCAL_PREFIX = 'local';
const REPOSITORY_ROOT = resolve(__dirname, '../..');

export interface PlatformCloudOptions extends Omit<LocalCloudOptions, 'names'> {
  /** Where function `entry` and ASL paths are resolved; default the repository root. */
  readonly functionsBaseDir?: string;
}

/**
 * How many worker threads run the handlers when the platform runs (npm start, the benchmarks): LOCAL_HANDLER_THREADS,
 * default 2; 0 runs them in the cloud's thread as the tests do (decision "Lambda handlers in worker threads").
 */
export const handlerThreadsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): number => {
  const value = env.LOCAL_HANDLER_THREADS;
  if (value === undefined || value === '') return 2;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64)
    throw new Error(`LOCAL_HANDLER_THREADS must be an integer from 0 to 64, not ${value}`);
  return threads;
};

/** The handler threads' nice value: LOCAL_HANDLER_NICE, default the cloud's (10). */
export const handlerNicenessFromEnvironment = (env: NodeJS.ProcessEnv = process.env): number | undefined => {
  const value = env.LOCAL_HANDLER_NICE;
  if (value === undefined || value === '') return undefined;
  const niceness = Number(value);
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
    throw new Error(`LOCAL_HANDLER_NICE must be an integer from 0 to 19, not ${value}`);
  return niceness;
};

/** Starts the local cloud with every resource of core/platform/resources.ts, named with the `local` prefix. */
export const startLocalCloud = (options: PlatformCloudOptions = {}): Promise<RunningLocalCloud> => {
  const { functionsBaseDir, ...cloudOptions } = options;
  return startCloud(platformDescription(functionsBaseDir ?? REPOSITORY_ROOT, { timeScale: cloudOptions.timeScale }), {
    ...cloudOptions,
    names: (logical) => physicalName(LOCAL_PREFIX, logical),
  });
};
