/**
 * One jest configuration for everything except the Vue components (vitest, in ui/).
 * ts-jest runs transpile-only (isolatedModules); `npm run typecheck` is the type gate.
 */
// Node 20 here; the SDK's notice that its 2027 releases need Node 22 would print in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/ui/', '/cdktf.out/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } }],
  },
  maxWorkers: 2,
  testTimeout: 30000,
};
