import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { startEdge, type RunningEdge } from './server';
import { jsonResponse, type EdgeRequest, type ServiceEmulator } from './types';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('edge', () => {
  let edge: RunningEdge;
  const seen: EdgeRequest[] = [];
  const sqs: ServiceEmulator = {
    signingNames: ['sqs'],
    handle: async (request) => {
      seen.push(request);
      return jsonResponse({ QueueUrls: ['http://queue.local/1/q'] }, 'application/x-amz-json-1.0');
    },
  };

  beforeAll(async () => {
    edge = await startEdge({ services: [sqs] });
  });
  afterAll(() => edge.close());

  it('routes a signed SDK call to the emulation named by its credential scope, with the action from X-Amz-Target', async () => {
    const client = new SQSClient({ endpoint: edge.url, region: 'us-east-1', credentials });

    const answer = await client.send(new ListQueuesCommand({}));

    expect(answer.QueueUrls).toEqual(['http://queue.local/1/q']);
    expect(seen.at(-1)).toMatchObject({ service: 'sqs', action: 'ListQueues', method: 'POST' });
  });

  it('answers a service it does not serve with UnknownOperationException instead of crashing', async () => {
    expect.assertions(2);
    const client = new SFNClient({ endpoint: edge.url, region: 'us-east-1', credentials });

    await client.send(new ListStateMachinesCommand({})).catch((error: Error) => {
      expect(error.name).toBe('UnknownOperationException');
      expect(error.message).toContain("'states'");
    });
  });
});
