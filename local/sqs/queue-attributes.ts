/** The settable attributes of a standard queue: their defaults and AWS's validation of each. */
import { invalidParameter, SqsError } from './errors';

export const SETTABLE_ATTRIBUTES = {
  DelaySeconds: { default: '0', min: 0, max: 900 },
  // 1 MiB since AWS raised the SQS payload limit (2025): new queues default to the maximum.
  MaximumMessageSize: { default: '1048576', min: 1024, max: 1048576 },
  MessageRetentionPeriod: { default: '345600', min: 60, max: 1209600 },
  ReceiveMessageWaitTimeSeconds: { default: '0', min: 0, max: 20 },
  VisibilityTimeout: { default: '30', min: 0, max: 43200 },
} as const;

/** Attributes kept as given (JSON documents or flags) after their own validation. */
const DOCUMENT_ATTRIBUTES = new Set([
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'Policy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
]);

export const READ_ONLY_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export interface RedriveAllowPolicy {
  readonly redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  readonly sourceQueueArns?: readonly string[];
}

const parseJson = (name: string, value: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch (error) {
    throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: not a JSON object`, {
      cause: error,
    });
  }
  throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: not a JSON object`);
};

export const parseRedrivePolicy = (value: string): RedrivePolicy => {
  const parsed = parseJson('RedrivePolicy', value);
  const target = parsed.deadLetterTargetArn;
  const count = typeof parsed.maxReceiveCount === 'string' ? Number(parsed.maxReceiveCount) : parsed.maxReceiveCount;
  if (typeof target !== 'string' || !target.startsWith('arn:aws:sqs:')) {
    throw invalidParameter(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.`,
    );
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidParameter(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(parsed.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  return { deadLetterTargetArn: target, maxReceiveCount: count };
};

export const parseRedriveAllowPolicy = (value: string): RedriveAllowPolicy => {
  const parsed = parseJson('RedriveAllowPolicy', value);
  const permission = parsed.redrivePermission;
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw invalidParameter(
      `Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: redrivePermission must be allowAll, denyAll or byQueue.`,
    );
  }
  const arns = parsed.sourceQueueArns;
  if (
    permission === 'byQueue' &&
    (!Array.isArray(arns) || arns.length < 1 || arns.length > 10 || arns.some((arn) => typeof arn !== 'string'))
  ) {
    throw invalidParameter(
      `Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: byQueue needs 1 to 10 sourceQueueArns.`,
    );
  }
  if (permission !== 'byQueue' && arns !== undefined) {
    throw invalidParameter(
      `Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns is only allowed with byQueue.`,
    );
  }
  return { redrivePermission: permission, sourceQueueArns: arns as string[] | undefined };
};

/**
 * Validates attributes given to CreateQueue or SetQueueAttributes and answers them normalised (numbers as their
 * canonical decimal strings). Throws before anything is changed.
 */
export const validateAttributes = (attributes: Readonly<Record<string, string>>): Record<string, string> => {
  const normalised: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== 'string')
      throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    if (
      name === 'FifoQueue' ||
      name === 'ContentBasedDeduplication' ||
      name === 'DeduplicationScope' ||
      name === 'FifoThroughputLimit'
    ) {
      if (name === 'FifoQueue' && value === 'false') continue;
      throw new SqsError(
        'InvalidAttributeName',
        `The local cloud serves standard queues only; attribute ${name} is not supported.`,
      );
    }
    if (name in SETTABLE_ATTRIBUTES) {
      const range = SETTABLE_ATTRIBUTES[name as keyof typeof SETTABLE_ATTRIBUTES];
      const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!Number.isInteger(number) || number < range.min || number > range.max) {
        throw new SqsError(
          'InvalidAttributeValue',
          `Invalid value for the parameter ${name}. Reason: must be an integer from ${range.min} to ${range.max}.`,
        );
      }
      normalised[name] = String(number);
      continue;
    }
    if (!DOCUMENT_ATTRIBUTES.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    if (name === 'RedrivePolicy' && value !== '') parseRedrivePolicy(value);
    if (name === 'RedriveAllowPolicy' && value !== '') parseRedriveAllowPolicy(value);
    normalised[name] = value;
  }
  return normalised;
};
