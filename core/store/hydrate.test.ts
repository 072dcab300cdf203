import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HydrationIncompleteError, hydrate } from './hydrate';

type Key = { PK: string; SK: string };
const key = (n: number): Key => ({ PK: `ORDER#${n}`, SK: 'ORDER' });

/** A stand-in for BatchGetItem: answers the items it holds, leaving the first `unprocessedRounds` answers' keys unprocessed. */
const fakeClient = (held: Map<string, Record<string, unknown>>, unprocessedRounds: number) => {
  const calls: Key[][] = [];
  const client = {
    send: async (command: { input: { RequestItems: Record<string, { Keys: Key[] }> } }) => {
      const [table, request] = Object.entries(command.input.RequestItems)[0];
      calls.push(request.Keys);
      if (calls.length <= unprocessedRounds)
        return { Responses: { [table]: [] }, UnprocessedKeys: { [table]: request } };
      return { Responses: { [table]: request.Keys.flatMap((k) => held.get(k.PK) ?? []) } };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, calls };
};

const noWait = async () => undefined;

describe('hydrate', () => {
  it('answers the items behind index keys in the order of the keys, leaving out items gone meanwhile', async () => {
    const held = new Map([1, 3].map((n) => [`ORDER#${n}`, { ...key(n), n }]));
    const { client } = fakeClient(held, 0);

    const items = await hydrate(client, 't', [key(3), key(2), key(1)], { sleep: noWait });

    expect(items.map((item) => item.n)).toEqual([3, 1]);
  });

  it('asks again for keys DynamoDB left unprocessed, and reads 100 keys per call at most', async () => {
    const held = new Map(Array.from({ length: 150 }, (_, n) => [`ORDER#${n}`, { ...key(n), n }]));
    const { client, calls } = fakeClient(held, 1);

    const items = await hydrate(
      client,
      't',
      [...held.values()].map(({ PK, SK }) => ({ PK, SK })),
      { sleep: noWait },
    );

    expect(items).toHaveLength(150);
    expect(calls.map((keys) => keys.length)).toEqual([100, 100, 50]);
  });

  it('gives up with a dependency failure when keys stay unprocessed through every round', async () => {
    const { client } = fakeClient(new Map([['ORDER#1', key(1)]]), 100);

    const failure = await hydrate(client, 't', [key(1)], { sleep: noWait }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(HydrationIncompleteError);
    expect((failure as HydrationIncompleteError).$fault).toBe('server');
  });
});
