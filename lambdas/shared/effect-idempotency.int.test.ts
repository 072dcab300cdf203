/**
 * Issue 15: an email sent twice after a DynamoDB outage. Powertools Idempotency writes its record INPROGRESS, runs
 * the work (the email goes out), then marks the record COMPLETED. When DynamoDB was unreachable for that last write,
 * the record stayed INPROGRESS, expired with the invocation's time, and the next delivery of the same event sent the
 * email again. `effectIdempotencyPersistence` keeps retrying the COMPLETED write within the invocation's time.
 * Real DynamoDB Local and the real Powertools wrapper; the outage is a client middleware that fails every call, inside
 * the SDK's own retries, while it lasts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalTable, localCredentials, type LocalTable } from '../../scripts/local-platform/local-table';
import type { LambdaContext } from './lambda-context';
import { effectIdempotencyPersistence, idempotent } from './powertools';

jest.setTimeout(120_000);

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable({ readyTimeoutMs: 110_000 });
});
afterAll(async () => {
  await table?.stop();
});

/** A client of the table whose calls fail as an unreachable endpoint's do while `outage.down` is set. */
const clientWithOutage = (): { client: DynamoDBClient; outage: { down: boolean } } => {
  const outage = { down: false };
  const client = new DynamoDBClient({
    endpoint: table.dynamo.endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      if (outage.down)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', $metadata: {} });
      return next(args);
    },
    { step: 'deserialize', name: 'outage' },
  );
  return { client, outage };
};

/** What the Lambda runtime hands a handler, as far as Powertools reads it: this invocation has `remainingMs` left. */
const contextWith = (remainingMs: number): LambdaContext => {
  const deadline = Date.now() + remainingMs;
  return {
    functionName: 'send-email',
    awsRequestId: `req-${deadline}`,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as LambdaContext;
};

describe('the idempotency of work with an effect (an email)', () => {
  it('does the work once when DynamoDB is unreachable for 1 s right after it, and again asked later', async () => {
    // prepare: the work is the effect; DynamoDB goes down as it completes and comes back 1 s later
    const { client, outage } = clientWithOutage();
    let sent = 0;
    const send = idempotent(
      async (event: { eventId: string }) => {
        sent += 1;
        outage.down = true;
        setTimeout(() => {
          outage.down = false;
        }, 1000);
        return { sent: true, eventId: event.eventId };
      },
      {
        persistence: effectIdempotencyPersistence(client, table.tableName),
        eventKeyJmesPath: 'eventId',
        keyPrefix: 'send-email',
      },
    );
    // act: the first delivery, and the same event again once the first invocation's time (6 s) is over
    const first = await send({ eventId: 'evt-outage' }, contextWith(6000)).then(
      () => 'done',
      (error: Error) => error.name,
    );
    await new Promise((wake) => setTimeout(wake, 6500));
    const second = await send({ eventId: 'evt-outage' }, contextWith(6000)).then(
      () => 'done',
      (error: Error) => error.name,
    );
    client.destroy();
    // assess
    expect([first, second, sent]).toEqual(['done', 'done', 1]);
  });
});
