/** What GET /api/admin/dlqs says about the queue feeding each DLQ (issue 17 item 4): from the resource description. */
import { queues } from '../../core/platform/resources';
import { DEAD_LETTER_QUEUES, dlqSource } from './admin-dlqs';

describe('dlqSource', () => {
  it("names the email queue's physical name and its redrive settings for email-dlq", () => {
    // act
    const source = dlqSource('local', 'email-dlq');
    // assess
    const email = queues.find((queue) => queue.name === 'email');
    expect(source).toEqual({
      queueName: 'local-email',
      maxReceiveCount: email?.deadLetter.maxReceiveCount,
      visibilityTimeoutSeconds: email?.visibilityTimeoutSeconds,
    });
  });

  it('gives every processing DLQ a source, and none to the EventBridge failure queue', () => {
    // act
    const sources = Object.fromEntries(DEAD_LETTER_QUEUES.map((name) => [name, dlqSource('local', name)]));
    // assess
    expect(
      Object.entries(sources)
        .filter(([, source]) => source === undefined)
        .map(([name]) => name),
    ).toEqual(['event-delivery-dlq']);
    expect(Object.values(sources).filter((source) => source !== undefined)).toHaveLength(queues.length);
  });
});
