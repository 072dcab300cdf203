/**
 * The API as `npm start` runs it, for the integration tests that claim that shape: api/server.ts in its own Node
 * process (scripts/bench-support.ts startApiProcess), configured only from the local cloud's environment, as
 * scripts/start.ts configures it. In-process, the API would share the jest worker with the Lambda handlers, whose
 * Powertools Tracer patches http and fetch globally; no API process in AWS sees those patches.
 */
import { createServer } from 'node:net';
import { startApiProcess } from '../../bench-support';
import type { ApiProcess } from '../../bench-support';
import type { LocalCloudContext } from '../cloud';

/** A port nothing listens on right now (the kernel's pick); the API process binds it moments later. */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });

/**
 * Starts api/server.ts as its own process against `cloud` on a free port and waits for GET /health; `environment`
 * adds or replaces settings (e.g. LOG_LEVEL). Stop it with `stop()` (SIGTERM, then SIGKILL, by its PID).
 */
export const startPlatformApi = async (
  cloud: LocalCloudContext,
  environment: Readonly<Record<string, string>> = {},
): Promise<ApiProcess> =>
  startApiProcess(
    {
      ...process.env,
      ...cloud.env,
      LOG_LEVEL: 'SILENT',
      LOCAL_CONTROL_PLANE_URL: `${cloud.edgeUrl}/_local`,
      ...environment,
    },
    await freePort(),
  );
