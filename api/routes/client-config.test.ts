import { Logger } from '@aws-lambda-powertools/logger';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
import type { AppDeps } from '../app';
import { LocalControlPlaneUrlInvalidError, localControlPlaneFromEnv } from './client-config';

const auth = { userPoolId: 'us-east-1_localdemo', userPoolClientId: 'client', cognitoEndpoint: 'http://127.0.0.1:4566', tokenUse: 'id' as const };

/** The app with only what /config.json reads; the store and publisher are never reached on this path. */
const serve = async (extra: Partial<AppDeps>): Promise<{ url: string; close: () => Promise<void> }> => {
  const app = createApp({ stores: {} as AppDeps['stores'], publisher: { publish: async () => undefined }, logger: new Logger({ logLevel: 'SILENT' }), auth, tokenVerifier: { verify: async () => ({}) }, ...extra });
  const server: Server = await new Promise((resolveListen) => {
    const listening = app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolveClose) => server.close(() => resolveClose())) };
};

describe('localControlPlane in GET /config.json', () => {
  it('is present when the API was given the control plane URL', async () => {
    const api = await serve({ localControlPlane: 'http://127.0.0.1:4566/_local' });
    try {
      const body = await (await fetch(`${api.url}/config.json`)).json();

      expect(body).toEqual({ region: 'us-east-1', userPoolId: auth.userPoolId, userPoolClientId: 'client', cognitoEndpoint: 'http://127.0.0.1:4566/', localControlPlane: 'http://127.0.0.1:4566/_local' });
    } finally {
      await api.close();
    }
  });

  it('is absent otherwise (AWS), and the rest of the answer is unchanged', async () => {
    const api = await serve({});
    try {
      const body = (await (await fetch(`${api.url}/config.json`)).json()) as Record<string, unknown>;

      expect(Object.keys(body).sort()).toEqual(['cognitoEndpoint', 'region', 'userPoolClientId', 'userPoolId']);
    } finally {
      await api.close();
    }
  });
});

describe('localControlPlaneFromEnv', () => {
  it('reads LOCAL_CONTROL_PLANE_URL without a trailing slash, and nothing when it is unset or empty', () => {
    expect(localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: 'http://127.0.0.1:4566/_local/' })).toBe('http://127.0.0.1:4566/_local');
    expect(localControlPlaneFromEnv({})).toBeUndefined();
    expect(localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: '  ' })).toBeUndefined();
  });

  it('refuses a value that is not an http(s) URL, naming the key', () => {
    expect.assertions(3);
    for (const value of ['not a url', 'ftp://127.0.0.1/_local']) {
      try {
        localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: value });
      } catch (error) {
        expect(error).toBeInstanceOf(LocalControlPlaneUrlInvalidError);
      }
    }
    expect(() => localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: 'javascript:alert(1)' })).toThrow(/LOCAL_CONTROL_PLANE_URL/);
  });
});
