/**
 * The loyalty ledger on DynamoDB Local: one conditional write per event, an order earns once and is taken back once,
 * a failed order that earned nothing stays without an entry, and an account sums only its own customer's entries.
 */
import { monotonicFactory, ulid } from 'ulid';
import { money } from '../domain/money';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { DynamoLoyaltyLedger } from './dynamo-loyalty-ledger';

jest.setTimeout(60_000);

let table: LocalTable;
let ledger: DynamoLoyaltyLedger;

beforeAll(async () => {
  table = await startLocalTable();
  ledger = new DynamoLoyaltyLedger(table.documentClient, table.tableName);
}, 60_000);

afterAll(async () => {
  await table?.stop();
});

const AT = '2026-12-01T10:00:00.000Z';
const award = (customerId: string, orderId: string, points: number, eventId = ulid()) =>
  ledger.award({ customerId, orderId, eventId, points, total: money(points * 100 + 50, 'EUR'), at: AT });
const revoke = (customerId: string, orderId: string, eventId = ulid()) =>
  ledger.revoke({ customerId, orderId, eventId, at: AT });

describe('DynamoLoyaltyLedger', () => {
  it('awards an order once, whether the same event or another of the order comes again', async () => {
    // prepare
    const customerId = `c-${ulid()}`;
    const orderId = ulid();
    const eventId = ulid();
    // act
    const outcomes = [
      await award(customerId, orderId, 24, eventId),
      await award(customerId, orderId, 24, eventId),
      await award(customerId, orderId, 24),
    ];
    // assess
    expect(outcomes).toEqual(['awarded', 'already-awarded', 'already-awarded']);
    expect((await ledger.account(customerId)).points).toBe(24);
  });

  it('takes an order back once, and keeps the entry with what it had earned', async () => {
    // prepare
    const customerId = `c-${ulid()}`;
    const [kept, refunded] = [ulid(), ulid()];
    await award(customerId, kept, 10);
    await award(customerId, refunded, 24);
    // act
    const outcomes = [await revoke(customerId, refunded), await revoke(customerId, refunded)];
    // assess
    expect(outcomes).toEqual(['revoked', 'already-revoked']);
    const account = await ledger.account(customerId);
    expect(account.points).toBe(10);
    expect(account.entries.find((entry) => entry.orderId === refunded)).toMatchObject({
      state: 'REVOKED',
      points: 0,
      awardedPoints: 24,
      revokedAt: AT,
    });
  });

  it('writes nothing for a failed order that earned nothing', async () => {
    // prepare
    const customerId = `c-${ulid()}`;
    // act
    const outcome = await revoke(customerId, ulid());
    // assess
    expect(outcome).toBe('nothing-awarded');
    expect(await ledger.account(customerId)).toEqual({ customerId, points: 0, entries: [] });
  });

  it("sums every entry of the customer's own, answers the most recent ones newest first", async () => {
    // prepare
    const [alice, bob] = [`c-${ulid()}`, `c-${ulid()}`];
    const orderIds = monotonicFactory();
    const orders = Array.from({ length: 5 }, () => orderIds());
    for (const [index, orderId] of orders.entries()) await award(alice, orderId, index + 1);
    await award(bob, ulid(), 1000);
    // act
    const account = await ledger.account(alice, { recent: 3 });
    // assess
    expect(account.points).toBe(1 + 2 + 3 + 4 + 5);
    expect(account.entries.map((entry) => entry.orderId)).toEqual([...orders].reverse().slice(0, 3));
  });
});
