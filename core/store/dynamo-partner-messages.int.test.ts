/**
 * DynamoPartnerMessages against DynamoDB Local: the claim is one conditional put that tells a published message
 * from one another request still holds (from the item returned with the failed condition), concurrent claims of one
 * message let exactly one through, and an expired lease or a released claim can be taken again.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { DynamoPartnerMessages } from './dynamo-partner-messages';
import { keys } from './keys';

const NOW = 1_790_000_000;
const times = (now = NOW) => ({ now, leaseUntil: now + 30, expiresAt: now + 900 });

describe('DynamoPartnerMessages against DynamoDB Local', () => {
  let local: LocalTable;
  let ledger: DynamoPartnerMessages;
  let counter = 0;
  const nextId = (): string => {
    counter += 1;
    return `msg_${counter}`;
  };

  beforeAll(async () => {
    local = await startLocalTable({ readyTimeoutMs: 110_000 });
    ledger = new DynamoPartnerMessages(local.documentClient, local.tableName);
    // DynamoDB Local starts in about 3 s alone, far slower on a shared, loaded machine.
  }, 120_000);
  afterAll(async () => {
    await local.stop();
  });

  it('answers published for a message claimed and marked published, with its TTL set', async () => {
    // prepare
    const id = nextId();
    await ledger.claim('acme', id, times());
    await ledger.markPublished('acme', id);
    // act
    const again = await ledger.claim('acme', id, times(NOW + 60));
    // assess
    const { Item } = await local.documentClient.send(
      new GetCommand({ TableName: local.tableName, Key: keys.partnerMessage('acme', id) }),
    );
    expect(again).toBe('published');
    expect(Item).toMatchObject({ messageState: 'PUBLISHED', expiresAt: NOW + 900 });
  });

  it('lets exactly one of concurrent claims of a message through', async () => {
    // prepare
    const id = nextId();
    // act
    const claims = await Promise.all(Array.from({ length: 5 }, () => ledger.claim('acme', id, times())));
    // assess
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim === 'in-progress')).toHaveLength(4);
  });

  it('gives a claim whose lease ran out to the next request, but never a published message', async () => {
    // prepare
    const stale = nextId();
    const published = nextId();
    await ledger.claim('acme', stale, times());
    await ledger.claim('acme', published, times());
    await ledger.markPublished('acme', published);
    // act
    const takeover = await ledger.claim('acme', stale, times(NOW + 31));
    const late = await ledger.claim('acme', published, times(NOW + 31));
    // assess
    expect([takeover, late]).toEqual(['claimed', 'published']);
  });

  it('lets a released claim be taken at once', async () => {
    // prepare
    const id = nextId();
    await ledger.claim('acme', id, times());
    // act
    await ledger.release('acme', id);
    const again = await ledger.claim('acme', id, times());
    // assess
    expect(again).toBe('claimed');
  });

  it('keeps partners apart: the same webhook-id of another partner is a new message', async () => {
    // prepare
    const id = nextId();
    await ledger.claim('acme', id, times());
    await ledger.markPublished('acme', id);
    // act
    const other = await ledger.claim('globex', id, times());
    // assess
    expect(other).toBe('claimed');
  });
});
