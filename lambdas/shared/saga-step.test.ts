import { SagaStepInputInvalidError } from '../../core/saga/errors';
import { invocationLogger } from './powertools';
import { parseStepInput } from './saga-step';

describe('parseStepInput', () => {
  it('accepts what the ASL passes, with the caught error of a compensation', () => {
    const input = {
      orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA',
      step: 'RefundPayment',
      executionId: 'arn:aws:states:x:1:execution:m:01JD8ZQ3K5V7T2X9W4R6M1N0PA',
      error: { Error: 'InjectedFaultError', Cause: '{}' },
    };

    expect(parseStepInput(input, 'RefundPayment')).toEqual(input);
  });

  it.each([
    [{ step: 'ValidateOrder', executionId: 'e' }, 'orderId'],
    [{ orderId: 'a#b', step: 'ValidateOrder', executionId: 'e' }, 'orderId'],
    [{ orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA', step: 'Nope', executionId: 'e' }, 'step'],
    [
      { orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA', step: 'ReserveInventory', executionId: 'e' },
      'invoked with the input of ReserveInventory',
    ],
  ])('refuses %j naming %s', (input, message) => {
    expect(() => parseStepInput(input, 'ValidateOrder')).toThrow(SagaStepInputInvalidError);
    expect(() => parseStepInput(input, 'ValidateOrder')).toThrow(message);
  });
});

describe('invocationLogger', () => {
  it('puts orderId, executionId and step on every line, with the service of the current function', () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      lines.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const previous = { service: process.env.POWERTOOLS_SERVICE_NAME };
    process.env.POWERTOOLS_SERVICE_NAME = 'reserve-inventory';
    try {
      const logger = invocationLogger({ orderId: 'o-1', executionId: 'x-1', step: 'ReserveInventory' });
      logger.setLogLevel('INFO');
      logger.info('first');
      logger.warn('second');
    } finally {
      out.mockRestore();
      err.mockRestore();
      if (previous.service === undefined) delete process.env.POWERTOOLS_SERVICE_NAME;
      else process.env.POWERTOOLS_SERVICE_NAME = previous.service;
    }

    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    for (const line of parsed)
      expect(line).toMatchObject({
        orderId: 'o-1',
        executionId: 'x-1',
        step: 'ReserveInventory',
        service: 'reserve-inventory',
      });
  });
});
