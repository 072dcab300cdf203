/**
 * GET /config.json, built in one place: where the dashboard signs in (the same Cognito API the API trusts) and, when
 * the API runs on the local cloud, `localControlPlane` (its /_local base URL) so the dashboard can show its faults
 * panel. In AWS the key is absent and the dashboard hides the panel. Public.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { userPoolRegion } from '../config';
import type { AuthSettings } from '../config';
import type { AppState } from '../types';
import { on } from './route-doc';
import type { RouteDoc } from './route-doc';

export const ClientConfigSchema = z.object({
  region: z.string(),
  userPoolId: z.string(),
  userPoolClientId: z.string(),
  /** With a trailing slash, as the Cognito client libraries expect an endpoint. */
  cognitoEndpoint: z.string(),
  localControlPlane: z.string().optional(),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;

export interface ClientConfigRouterDeps {
  readonly auth: AuthSettings;
  /** The local cloud's /_local base URL (LOCAL_CONTROL_PLANE_URL); absent in AWS. */
  readonly localControlPlane?: string;
}

export const CLIENT_CONFIG_ROUTES = {
  get: {
    method: 'get',
    path: '/config.json',
    summary:
      'Where the dashboard signs in: {region, userPoolId, userPoolClientId, cognitoEndpoint}, and localControlPlane on the local cloud',
    public: true,
    responses: { 200: { description: 'the Cognito settings', body: ClientConfigSchema } },
  },
} as const satisfies Record<string, RouteDoc>;

/** What /config.json answers for these settings. */
export const clientConfig = (deps: ClientConfigRouterDeps): ClientConfig => ({
  region: userPoolRegion(deps.auth.userPoolId),
  userPoolId: deps.auth.userPoolId,
  userPoolClientId: deps.auth.userPoolClientId,
  cognitoEndpoint: `${deps.auth.cognitoEndpoint}/`,
  ...(deps.localControlPlane === undefined ? {} : { localControlPlane: deps.localControlPlane }),
});

export const clientConfigRouter = (deps: ClientConfigRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  const body = clientConfig(deps);
  on(router, CLIENT_CONFIG_ROUTES.get, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
  return router;
};
