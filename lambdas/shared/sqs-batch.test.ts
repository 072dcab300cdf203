import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import fc from 'fast-check';
import { processSqsBatch } from './sqs-batch';
import type { SqsMessage } from './sqs-batch';

const failOn =
  (failing: ReadonlySet<string>) =>
  async (record: SqsMessage): Promise<string> => {
    if (failing.has(record.body)) throw new Error(`failed ${record.body}`);
    return record.body;
  };

describe('processSqsBatch', () => {
  it('reports exactly the records whose handler threw, whatever the mix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (fails) => {
        const records = fails.map((_, index) => ({ messageId: `m${index}`, body: `b${index}` }));
        const failing = new Set(records.filter((_, index) => fails[index]).map((record) => record.body));

        const response = await processSqsBatch({ Records: records }, failOn(failing), {
          throwOnFullBatchFailure: false,
        });

        expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
          records
            .filter((record) => failing.has(record.body))
            .map((record) => record.messageId)
            .sort(),
        );
      }),
    );
  });

  it('hands each record to the handler alone, without a second argument', async () => {
    const argumentCounts: number[] = [];

    await processSqsBatch({ Records: [{ messageId: 'm1', body: 'b1' }] }, async (...args: unknown[]) => {
      argumentCounts.push(args.length);
    });

    expect(argumentCounts).toEqual([1]);
  });

  it("keeps Powertools' default: a batch where every record failed throws FullBatchFailureError", async () => {
    expect.assertions(1);

    await expect(
      processSqsBatch({ Records: [{ messageId: 'm1', body: 'b1' }] }, failOn(new Set(['b1']))),
    ).rejects.toBeInstanceOf(FullBatchFailureError);
  });
});
