/**
 * The API image without a Docker daemon: the build stage's esbuild command, read from api/Dockerfile and run as
 * written (with /out/ moved to a temp dir), then the runtime stage's CMD in a directory with no node_modules, as in
 * the image, answering the HEALTHCHECK's /health. A Dockerfile whose bundle cannot start fails here, not in ECS.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const rootDir = resolve(__dirname, '..');
const dockerfile = readFileSync(join(rootDir, 'api', 'Dockerfile'), 'utf8');

/** The instruction that starts with `keyword`, continuation lines joined. */
const instruction = (keyword: string, includes: string): string => {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith(keyword) && l.includes(includes));
  if (line === undefined) throw new Error(`api/Dockerfile has no ${keyword} ... ${includes}`);
  return line.slice(keyword.length).trim();
};

const freePort = async (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port')),
      );
    });
  });

describe('the API image (api/Dockerfile) without a Docker daemon', () => {
  let out: string;
  let server: ChildProcess | undefined;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'api-image-'));
  });
  afterAll(() => {
    server?.kill();
    rmSync(out, { recursive: true, force: true });
  });

  it("bundles with the build stage's command and serves /health with the runtime stage's CMD and no node_modules", async () => {
    // prepare: the build stage, as written, into a temp /out
    const build = instruction('RUN', 'npx esbuild').replace(/\/out\//g, `${out}/`);
    const built = spawnSync('bash', ['-c', build], { cwd: rootDir, encoding: 'utf8' });
    expect(built.stderr).not.toMatch(/error/i);
    const cmd = JSON.parse(instruction('CMD', 'server.js')) as string[];
    expect(cmd[0]).toBe('node');
    const port = await freePort();

    // act: the CMD in the bundle's directory, with the variables the task definition sets (modules/api.ts)
    server = spawn(process.execPath, cmd.slice(1), {
      cwd: out,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'image-smoke-test',
        AWS_SECRET_ACCESS_KEY: 'image-smoke-test',
        TABLE_NAME: 'orders-dev-orders',
        EVENT_BUS_NAME: 'orders-dev-orders',
        RECEIPTS_BUCKET: 'orders-dev-receipts-x',
        STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:210987654321:stateMachine:orders-dev-order-saga',
        USER_POOL_ID: 'eu-west-1_smoketest',
        USER_POOL_CLIENT_ID: 'smoketestclient',
        PARTNER_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:orders-dev-partner-secrets',
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        POWERTOOLS_SERVICE_NAME: 'orders-api',
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    server.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    let status: number | undefined;
    for (let attempt = 0; attempt < 100 && status === undefined && server.exitCode === null; attempt++) {
      status = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => new Promise<undefined>((done) => setTimeout(() => done(undefined), 200)),
      );
    }

    // assess
    expect({ status, exitCode: server.exitCode, logs: status === 200 ? '' : logs.slice(-3000) }).toEqual({
      status: 200,
      exitCode: null,
      logs: '',
    });
  }, 180_000);
});
