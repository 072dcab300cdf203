/** The local Cognito user pools, JWTs and a test sign-in helper (subpath `@order-platform/local-cloud/cognito`). */
export { LocalCognito, type AuthenticationResult } from './local-cognito';
export { decodeJwt, generateSigningKey, signJwt } from './jwt';
export { addUser, seedUserPool, type DemoIdentity, type DemoUser, type UserPoolDescription } from './demo-users';
export { startTestCognito, TestCognitoSignInError, type TestCognito } from './test-tokens';
