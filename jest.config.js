/**
 * One jest configuration for everything except the Vue components (vitest, in ui/), as two projects: `unit`
 * (every *.test.ts that needs nothing running) and `integration` (*.int.test.ts, which start DynamoDB Local or the
 * local cloud themselves). `npx jest` runs both; `npm run test:unit` selects the first.
 * ts-jest runs transpile-only (isolatedModules); `npm run typecheck` is the type gate.
 */
// Node 20 here; the SDK's notice that its 2027 releases need Node 22 would print in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ignored = ['/node_modules/', '/ui/', '/cdktf.out/', '/dist/'];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } },
    ],
  },
  testTimeout: 30000,
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [...ignored, '\\.int\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.int.test.ts'],
      // The fault suite (scripts/fault-suite/, issue 15) is part of it: about 40-55 s per npm start scenario.
      testPathIgnorePatterns: ignored,
    },
  ],
};
