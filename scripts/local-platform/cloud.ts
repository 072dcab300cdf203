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

/** Starts the local cloud with every resource of core/platform/resources.ts, named with the `local` prefix. */
export const startLocalCloud = (options: PlatformCloudOptions = {}): Promise<RunningLocalCloud> => {
  const { functionsBaseDir, ...cloudOptions } = options;
  return startCloud(platformDescription(functionsBaseDir ?? REPOSITORY_ROOT, { timeScale: cloudOptions.timeScale }), {
    ...cloudOptions,
    names: (logical) => physicalName(LOCAL_PREFIX, logical),
  });
};
