/**
 * The API as `npm start` runs it, for the integration tests that claim that shape: api/server.ts in its own Node
 * process (scripts/bench-support.ts startApiProcess), configured only from the local cloud's environment, as
 * scripts/start.ts configures it. In-process, the API would share the jest worker with the Lambda handlers, whose
 * Powertools Tracer patches http and fetch globally; no API process in AWS sees those patches.
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { freePort } from '@order-platform/local-cloud/dynamodb';
import { startApiProcess } from '../../bench-support';
import type { ApiProcess } from '../../bench-support';
import type { LocalCloudContext } from '../cloud';

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

/**
 * ID tokens of the demo users (GET /_local/users), signed in through the local Cognito as the dashboard does:
 * username -> `Bearer` token for the API.
 */
export const signInDemoUsers = async (cloud: LocalCloudContext): Promise<Map<string, string>> => {
  const { users } = (await (await fetch(`${cloud.edgeUrl}/_local/users`)).json()) as {
    users: { username: string; password: string }[];
  };
  const cognito = new CognitoIdentityProviderClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const tokens = new Map<string, string>();
  try {
    for (const user of users) {
      const signedIn = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: cloud.env.USER_POOL_CLIENT_ID,
          AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
        }),
      );
      tokens.set(user.username, signedIn.AuthenticationResult?.IdToken ?? '');
    }
  } finally {
    cognito.destroy();
  }
  return tokens;
};
