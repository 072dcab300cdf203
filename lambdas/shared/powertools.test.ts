import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Loaded = {
  tracer: { isTracingEnabled(): boolean };
  client: DynamoDBClient;
  ListTablesCommand: new (input: object) => never;
};

/** Loads lambdas/shared/powertools afresh under `env`, as a Lambda container (or the local cloud) would. */
const loadWith = (env: Record<string, string | undefined>): Loaded => {
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(env);
  let loaded: Loaded | undefined;
  try {
    jest.isolateModules(() => {
      const { tracer, captured } = require('./powertools') as typeof import('./powertools');
      const sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
      const client = captured(
        new sdk.DynamoDBClient({
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          maxAttempts: 1,
        }),
      );
      loaded = { tracer, client, ListTablesCommand: sdk.ListTablesCommand as never };
    });
  } finally {
    set(previous);
  }
  return loaded as Loaded;
};

describe('Tracer without an X-Ray daemon', () => {
  it('is off when the handlers are loaded outside a Lambda environment (tests, the local cloud at start)', () => {
    const { tracer } = loadWith({ AWS_EXECUTION_ENV: undefined, AWS_LAMBDA_FUNCTION_NAME: undefined });

    expect(tracer.isTracingEnabled()).toBe(false);
  });

  it('inside a Lambda environment with no daemon listening, a captured client call neither crashes the tracer nor writes to the console', async () => {
    const { tracer, client, ListTablesCommand } = loadWith({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'reserve-inventory',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });
    const written: string[] = [];
    const spies = (['error', 'warn', 'log'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.join(' '))),
    );

    const failure = await client.send(new ListTablesCommand({})).then(
      () => undefined,
      (error: Error) => error,
    );
    for (const spy of spies) spy.mockRestore();

    expect(tracer.isTracingEnabled()).toBe(true);
    expect(failure).toBeInstanceOf(Error);
    expect(written).toEqual([]);
  });
});

describe('invocationLogger cold_start', () => {
  const contextOf = (functionName: string) => ({
    functionName,
    awsRequestId: 'req',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    functionVersion: '$LATEST',
    getRemainingTimeInMillis: () => 1000,
  });

  it('is true for the first invocation of each function in the process and false for its later ones', () => {
    // prepare: a Lambda-like environment (on-demand initialisation) and a fresh module, as a new process has
    const env = {
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_DEV: undefined,
    };
    const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // act
    try {
      jest.isolateModules(() => {
        const { invocationLogger } = require('./powertools') as typeof import('./powertools');
        for (const name of ['confirm-order', 'confirm-order', 'validate-order', 'confirm-order'])
          invocationLogger({}, contextOf(name)).info('handled');
      });
    } finally {
      write.mockRestore();
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    // assess
    const records = lines
      .filter((line) => line.includes('"handled"'))
      .map((line) => JSON.parse(line) as { function_name: string; cold_start: boolean });
    expect(records.map((record) => [record.function_name, record.cold_start])).toEqual([
      ['confirm-order', true],
      ['confirm-order', false],
      ['validate-order', true],
      ['confirm-order', false],
    ]);
  });
});
