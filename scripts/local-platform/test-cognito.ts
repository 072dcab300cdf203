/**
 * Real Cognito tokens for the API's tests: the package's test Cognito with the platform's demo pool (alice, bob,
 * admin in `admin`).
 */
import { startTestCognito as startCognito, type TestCognito } from '@order-platform/local-cloud/cognito';
import { demoUserPool } from './demo-identity';

export type { TestCognito } from '@order-platform/local-cloud/cognito';

export const startTestCognito = (options: { region?: string; now?: () => number } = {}): Promise<TestCognito> =>
  startCognito({ pool: demoUserPool, ...options });
