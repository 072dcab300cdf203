import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalLambda } from './local-lambda';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

class PaymentDeclinedError extends Error {
  constructor() {
    super('card declined');
    this.name = 'PaymentDeclinedError';
  }
}

describe('local Lambda through the unmodified SDK v3 client', () => {
  let lambda: LocalLambda;
  let edge: RunningEdge;
  let client: LambdaClient;
  const events: unknown[] = [];

  beforeAll(async () => {
    lambda = new LocalLambda({ region: 'us-east-1' });
    lambda.register({
      name: 'double',
      timeoutSeconds: 5,
      memoryMb: 256,
      environment: { MODE: 'x2' },
      handler: async (event) => ({ value: (event as { value: number }).value * 2 }),
    });
    lambda.register({
      name: 'charge',
      handler: async () => {
        throw new PaymentDeclinedError();
      },
    });
    lambda.register({
      name: 'record',
      handler: async (event) => {
        events.push(event);
      },
    });
    edge = await startEdge({ services: [lambda] });
    client = new LambdaClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    await lambda.stop();
    await edge.close();
  });

  it('invokes RequestResponse and answers the JSON result', async () => {
    const answer = await client.send(
      new InvokeCommand({ FunctionName: 'double', Payload: JSON.stringify({ value: 21 }) }),
    );

    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(answer.Payload ?? []).toString())).toEqual({ value: 42 });
  });

  it('answers a failing handler with the FunctionError header and the error name as errorType', async () => {
    const answer = await client.send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:charge' }),
    );

    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(answer.Payload ?? []).toString())).toMatchObject({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'card declined',
    });
  });

  it('answers an Event invocation with 202 at once and runs the handler', async () => {
    const answer = await client.send(
      new InvokeCommand({ FunctionName: 'record', InvocationType: 'Event', Payload: JSON.stringify({ n: 1 }) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(answer.StatusCode).toBe(202);
    expect(events).toEqual([{ n: 1 }]);
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    expect.assertions(1);

    await client
      .send(new InvokeCommand({ FunctionName: 'missing' }))
      .catch((error: Error) => expect(error.name).toBe('ResourceNotFoundException'));
  });

  it('lists and describes functions', async () => {
    const list = await client.send(new ListFunctionsCommand({}));
    const one = await client.send(new GetFunctionCommand({ FunctionName: 'double' }));

    expect(list.Functions?.map((fn) => fn.FunctionName)).toEqual(['charge', 'double', 'record']);
    expect(one.Configuration).toMatchObject({
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:double',
      Timeout: 5,
      MemorySize: 256,
      Environment: { Variables: { MODE: 'x2' } },
    });
  });
});
