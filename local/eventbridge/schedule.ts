/** Schedule expressions of EventBridge rules, as intervals for the local scheduler. */

/** A schedule expression that is not `rate(...)` or `cron(...)`. */
export class ScheduleExpressionInvalidError extends Error {
  constructor(readonly expression: string) {
    super(`Parameter ScheduleExpression is not valid: ${expression}`);
    this.name = 'ScheduleExpressionInvalidError';
  }
}

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  second: 1,
  seconds: 1,
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};

/**
 * The interval of a schedule in seconds: `rate(5 minutes)` -> 300 (`rate(N second[s])` is accepted locally);
 * `cron(...)` is valid but has no fixed interval (undefined): locally it runs only with an override.
 * @throws ScheduleExpressionInvalidError for anything else, including `rate(1 minutes)` and `rate(2 minute)`.
 */
export const scheduleIntervalSeconds = (expression: string): number | undefined => {
  if (/^cron\(\S+( \S+){5}\)$/.test(expression)) return undefined;
  const match = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  const count = Number(match?.[1]);
  const unit = match?.[2] ?? '';
  if (!match || !(unit in UNIT_SECONDS) || count < 1 || (count === 1) !== !unit.endsWith('s')) {
    throw new ScheduleExpressionInvalidError(expression);
  }
  return count * (UNIT_SECONDS[unit] ?? 0);
};
