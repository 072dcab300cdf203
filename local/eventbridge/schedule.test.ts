import { LocalEventBridge } from './local-event-bridge';
import { ScheduleExpressionInvalidError, scheduleIntervalSeconds } from './schedule';

describe('schedules', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(5 minutes)', 300],
    ['rate(2 hours)', 7200],
    ['rate(1 day)', 86400],
    ['rate(10 seconds)', 10],
    ['cron(0 12 * * ? *)', undefined],
  ])('reads %s', (expression, seconds) => {
    expect(scheduleIntervalSeconds(expression)).toBe(seconds);
  });

  it.each(['rate(1 minutes)', 'rate(2 minute)', 'rate(0 minutes)', 'rate(5 weeks)', 'every minute'])(
    'rejects %s',
    (expression) => {
      expect(() => scheduleIntervalSeconds(expression)).toThrow(ScheduleExpressionInvalidError);
    },
  );

  it('fires a schedule rule at its local override interval once started, and not after stop', async () => {
    // A fake clock: two intervals of 20 ms are exactly two fires, whatever the machine's load.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const fired: string[] = [];
    const bridge = new LocalEventBridge({
      sink: { deliver: async (target) => void fired.push(target.input) },
      scheduleOverrides: { tick: 0.02 },
    });
    try {
      bridge.putRule({ Name: 'tick', ScheduleExpression: 'rate(1 minute)' });
      bridge.putTargets('tick', undefined, [{ Id: 't', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }]);

      bridge.startSchedules();
      await jest.advanceTimersByTimeAsync(40);
      bridge.stop();
      await bridge.drain();
      const count = fired.length;
      await jest.advanceTimersByTimeAsync(60_000);

      expect(count).toBe(2);
      expect(fired).toHaveLength(2);
      expect(JSON.parse(fired[0] ?? '{}')).toMatchObject({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/tick'],
      });
    } finally {
      jest.useRealTimers();
    }
  });
});
