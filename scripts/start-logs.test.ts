/** `npm start`'s log routing (issue 17 item 8): a quiet console by default, every line in the log file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogSink, readableLine, startLogSettings } from './start-logs';

describe('startLogSettings', () => {
  it('keeps the logs under DATA_DIR and off the console by default', () => {
    // act
    const settings = startLogSettings([], { DATA_DIR: '/data/orders' });
    // assess
    expect(settings).toEqual({ echo: false, level: 'INFO', file: '/data/orders/logs/platform.log' });
  });

  it('uses a temporary directory without DATA_DIR', () => {
    // act
    const settings = startLogSettings([], {}, () => '/tmp/order-platform-x');
    // assess
    expect(settings.file).toBe('/tmp/order-platform-x/platform.log');
  });

  it('echoes the logs with --verbose, and with LOG_LEVEL at that level', () => {
    // act
    const verbose = startLogSettings(['--verbose'], {}, () => '/t');
    const debug = startLogSettings([], { LOG_LEVEL: 'debug' }, () => '/t');
    // assess
    expect([verbose.echo, verbose.level]).toEqual([true, 'INFO']);
    expect([debug.echo, debug.level]).toEqual([true, 'DEBUG']);
  });

  it('refuses a LOG_LEVEL that is not a level, naming it', () => {
    expect.assertions(1);
    // act / assess
    expect(() => startLogSettings([], { LOG_LEVEL: 'loud' }, () => '/t')).toThrow(/LOG_LEVEL .* got loud/);
  });
});

describe('readableLine', () => {
  it('shows a JSON log record as time, level, service, message and its fields', () => {
    // act
    const line = readableLine(
      JSON.stringify({
        level: 'INFO',
        message: 'request',
        timestamp: '2026-12-02T13:53:31.999Z',
        service: 'orders-api',
        sampling_rate: 0,
        method: 'GET',
        status: 200,
      }),
    );
    // assess
    expect(line).toBe('13:53:31 INFO  orders-api request method=GET status=200');
  });

  it('leaves a line that is not JSON as it is', () => {
    expect(readableLine('vite v8 building')).toBe('vite v8 building');
  });
});

describe('LogSink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-logs-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes whole lines to the file, joined across chunks, and nothing to the console when not echoing', async () => {
    // prepare
    const echoed: string[] = [];
    const sink = new LogSink({ echo: false, level: 'INFO', file: join(dir, 'logs', 'platform.log') }, (line) =>
      echoed.push(line),
    );
    // act
    sink.write('{"level":"INFO","mess');
    sink.write('age":"a"}\n{"level":"WARN","message":"b"}\n');
    await sink.close();
    // assess
    expect(readFileSync(join(dir, 'logs', 'platform.log'), 'utf8')).toBe(
      '{"level":"INFO","message":"a"}\n{"level":"WARN","message":"b"}\n',
    );
    expect(echoed).toEqual([]);
  });

  it('echoes readable lines when asked', async () => {
    // prepare
    const echoed: string[] = [];
    const sink = new LogSink({ echo: true, level: 'INFO', file: join(dir, 'platform.log') }, (line) =>
      echoed.push(line),
    );
    // act
    sink.write('{"level":"INFO","message":"a","timestamp":"2026-12-02T10:00:00.000Z","service":"s"}\n');
    await sink.close();
    // assess
    expect(echoed).toEqual(['10:00:00 INFO  s a']);
  });
});
