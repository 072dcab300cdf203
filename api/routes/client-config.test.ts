import { Logger } from '@aws-lambda-powertools/logger';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
import { createAwsClients } from '../aws-clients';
import { loadConfig, LocalControlPlaneUrlInvalidError, localControlPlaneFromEnv } from '../config';

const env = {
  TABLE_NAME: 'local-orders',
  EVENT_BUS_NAME: 'local-orders',
  USER_POOL_ID: 'us-east-1_localdemo',
  USER_POOL_CLIENT_ID: 'client',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
};

/** The whole app, as the server composes it; /config.json reaches no AWS client. */
const serve = async (extra: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> => {
  const clients = createAwsClients({ dynamodb: { region: 'us-east-1' } });
  const composed = createApp({
    config: loadConfig({ ...env, ...extra }),
    clients,
    logger: new Logger({ logLevel: 'SILENT' }),
    tokenVerifier: { verify: async () => ({}) },
  });
  const server: Server = await new Promise((resolveListen) => {
    const listening = composed.app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolveClose) =>
        server.close(() => {
          composed.close();
          clients.destroy();
          resolveClose();
        }),
      ),
  };
};

describe('localControlPlane in GET /config.json', () => {
  it('is present when the API was given the control plane URL', async () => {
    const api = await serve({ LOCAL_CONTROL_PLANE_URL: 'http://127.0.0.1:4566/_local/' });
    try {
      const body = await (await fetch(`${api.url}/config.json`)).json();

      expect(body).toEqual({
        region: 'us-east-1',
        userPoolId: 'us-east-1_localdemo',
        userPoolClientId: 'client',
        cognitoEndpoint: 'http://127.0.0.1:4566/',
        localControlPlane: 'http://127.0.0.1:4566/_local',
      });
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
    expect(localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: 'http://127.0.0.1:4566/_local/' })).toBe(
      'http://127.0.0.1:4566/_local',
    );
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
    expect(() => localControlPlaneFromEnv({ LOCAL_CONTROL_PLANE_URL: 'javascript:alert(1)' })).toThrow(
      /LOCAL_CONTROL_PLANE_URL/,
    );
  });
});
