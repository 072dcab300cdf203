import { Logger } from '@aws-lambda-powertools/logger';
import { RequestIdLogger } from './request-context';

/** Runs `act` and answers the JSON lines it wrote to stdout and stderr (Powertools' Console), without timestamps. */
const linesWrittenBy = (act: () => void): Record<string, unknown>[] => {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written.map((line) => {
    const { timestamp: _timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });
};

describe('RequestIdLogger', () => {
  it('writes the lines a child logger with the request id as a persistent key wrote, key order included', () => {
    // prepare
    const logger = new Logger({ serviceName: 'orders-api', logLevel: 'DEBUG' });
    const error = new Error('boom');
    const logAll = (target: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>) => () => {
      target.info('request', { method: 'POST', path: '/api/orders', status: 201, durationMs: 1.5 });
      target.error('request failed', error);
      target.warn('partner event refused', { reason: 'signature' });
      target.debug('plain');
    };
    // act
    const fromChild = linesWrittenBy(logAll(logger.createChild({ persistentKeys: { requestId: 'r-1' } })));
    const fromOurs = linesWrittenBy(logAll(new RequestIdLogger(logger, 'r-1')));
    // assess
    expect(fromOurs).toHaveLength(4);
    expect(fromOurs.every((line) => line.requestId === 'r-1')).toBe(true);
    expect(JSON.stringify(fromOurs)).toBe(JSON.stringify(fromChild));
  });
});
