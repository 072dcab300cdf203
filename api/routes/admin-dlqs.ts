/**
 * /api/admin/dlqs: dead-letter queues for the admin: GET /api/admin/dlqs (depth, in flight, a few sample messages per DLQ) and
 * POST /api/admin/dlqs/:name/redrive (StartMessageMoveTask back to each message's source queue). Only the
 * platform's own DLQs, by their logical name from core/platform/resources.ts (`webhook-deliveries-dlq`).
 */
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import Router from '@koa/router';
import { z } from 'zod';
import { PlatformError } from '../../core/errors';
import type { PlatformErrorOptions } from '../../core/errors';
import { deadLetterQueueName, failureQueues, physicalName, queues } from '../../core/platform/resources';
import { requireAdmin } from '../middleware/auth';
import type { AppState } from '../types';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';

/** Every dead-letter queue of the platform, by logical name. */
export const DEAD_LETTER_QUEUES: readonly string[] = [
  ...queues.map((queue) => deadLetterQueueName(queue.name)),
  ...failureQueues.map((queue) => queue.name),
];

export interface DlqsRouterDeps {
  readonly sqs: SQSClient;
  /** The stage prefix of physical names (`local`, `orders-dev`): physicalName(prefix, logical). */
  readonly resourcePrefix: string;
  /** Sample messages shown per queue. */
  readonly sampleSize?: number;
}

export interface DlqSummary {
  readonly name: string;
  readonly queueName: string;
  readonly depth: number;
  readonly inFlight: number;
  readonly samples: readonly {
    readonly messageId: string;
    readonly body: string;
    readonly receiveCount?: number;
    readonly sentAt?: string;
    readonly sourceArn?: string;
  }[];
  /** The queue that feeds this DLQ and its redrive settings; absent for the EventBridge failure queue, which no queue feeds. */
  readonly source?: DlqSource;
}

/** How a failing message reaches a DLQ: received `maxReceiveCount` times, each after `visibilityTimeoutSeconds`. */
export interface DlqSource {
  readonly queueName: string;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * The source queue of a DLQ by logical name, from the resource description (the same data the redrive policy is
 * synthesised from, modules/messaging.ts), so no SQS call is needed to say how long a failing message takes.
 */
export const dlqSource = (resourcePrefix: string, logicalDlq: string): DlqSource | undefined => {
  const queue = queues.find((candidate) => deadLetterQueueName(candidate.name) === logicalDlq);
  if (queue === undefined) return undefined;
  return {
    queueName: physicalName(resourcePrefix, queue.name),
    maxReceiveCount: queue.deadLetter.maxReceiveCount,
    visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
  };
};

/** The stage prefix from the table's physical name (`<prefix>-orders`), so the API needs no extra setting. */
export const resourcePrefixFromTableName = (tableName: string): string => tableName.replace(/-orders$/, '');

/** The base of the dead-letter-queue area (the admin routes and scripts/redrive.ts). */
export abstract class DeadLetterQueueError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

export class DeadLetterQueueUnknownError extends DeadLetterQueueError {
  constructor(
    readonly queue: string,
    message: string,
  ) {
    super(message, { code: 'NOT_FOUND', httpStatus: 404 });
    this.name = 'DeadLetterQueueUnknownError';
  }
}

/** SQS refused the message move (one already running, or the queue is not a DLQ). */
export class RedriveRefusedError extends DeadLetterQueueError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'REDRIVE_REFUSED', httpStatus: 409, cause: options?.cause });
    this.name = 'RedriveRefusedError';
  }
}

const DlqSummarySchema = z.object({
  name: z.string(),
  queueName: z.string(),
  depth: z.number().int(),
  inFlight: z.number().int(),
  samples: z.array(
    z.object({
      messageId: z.string(),
      body: z.string(),
      receiveCount: z.number().int().optional(),
      sentAt: z.string().optional(),
      sourceArn: z.string().optional(),
    }),
  ),
  source: z
    .object({ queueName: z.string(), maxReceiveCount: z.number().int(), visibilityTimeoutSeconds: z.number().int() })
    .optional()
    .describe(
      'The queue that feeds this DLQ: a failing message arrives after about maxReceiveCount x visibilityTimeoutSeconds',
    ),
});

export const DLQS_ROUTES = {
  list: {
    method: 'get',
    path: '/api/admin/dlqs',
    summary: 'Dead-letter queues: depth, in flight, sample messages (admin)',
    admin: true,
    responses: {
      200: { description: 'the DLQs', body: z.object({ items: z.array(DlqSummarySchema) }) },
      403: errorAnswer('not the admin'),
    },
  },
  redrive: {
    method: 'post',
    path: '/api/admin/dlqs/:name/redrive',
    summary: "Move a DLQ's messages back to their source queue (StartMessageMoveTask; admin)",
    admin: true,
    params: z.object({ name: z.string() }),
    responses: {
      202: {
        description: 'move task started',
        body: z.object({ name: z.string(), queueName: z.string(), taskHandle: z.string() }),
      },
      403: errorAnswer('not the admin'),
      404: errorAnswer('no such DLQ'),
      409: errorAnswer('a move task is already running'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

/** A DLQ by logical name (`webhook-deliveries-dlq`; the source queue's name `webhook-deliveries` is accepted too). */
export const locateDeadLetterQueue = async (
  sqs: SQSClient,
  resourcePrefix: string,
  name: string,
): Promise<{ name: string; url: string; arn: string; queueName: string }> => {
  const logical = DEAD_LETTER_QUEUES.includes(name) ? name : deadLetterQueueName(name);
  if (!DEAD_LETTER_QUEUES.includes(logical))
    throw new DeadLetterQueueUnknownError(
      name,
      `no dead-letter queue ${name}; known: ${DEAD_LETTER_QUEUES.join(', ')}`,
    );
  const queueName = physicalName(resourcePrefix, logical);
  try {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl ?? '';
    const attributes =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes ?? {};
    return { name: logical, url, arn: attributes.QueueArn ?? '', queueName };
  } catch (error) {
    if (error instanceof QueueDoesNotExist)
      throw new DeadLetterQueueUnknownError(name, `the queue ${queueName} does not exist`);
    throw error;
  }
};

/** StartMessageMoveTask from the DLQ back to each message's source queue; answers the task handle. */
export const startRedrive = async (sqs: SQSClient, dlqArn: string): Promise<string> => {
  try {
    return (await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }))).TaskHandle ?? '';
  } catch (error) {
    if (
      error instanceof SQSServiceException &&
      (error.name === 'UnsupportedOperation' || error.name === 'InvalidParameterValue')
    )
      throw new RedriveRefusedError(`SQS refused the redrive: ${error.message}`, { cause: error });
    throw error;
  }
};

export const dlqsRouter = (deps: DlqsRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  const locate = (name: string) => locateDeadLetterQueue(deps.sqs, deps.resourcePrefix, name);

  const summary = async (logical: string): Promise<DlqSummary> => {
    const { url, queueName } = await locate(logical);
    const attributes =
      (
        await deps.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    const depth = Number(attributes.ApproximateNumberOfMessages ?? 0);
    // A peek: visibility 0 leaves the messages available; a DLQ has no redrive policy, so receiving them moves nothing.
    const received =
      depth === 0
        ? []
        : ((
            await deps.sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: url,
                MaxNumberOfMessages: Math.min(10, deps.sampleSize ?? 3),
                VisibilityTimeout: 0,
                WaitTimeSeconds: 0,
                MessageSystemAttributeNames: ['All'],
              }),
            )
          ).Messages ?? []);
    const source = dlqSource(deps.resourcePrefix, logical);
    return {
      name: logical,
      queueName,
      ...(source === undefined ? {} : { source }),
      depth,
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      samples: received.map((message) => ({
        messageId: message.MessageId ?? '',
        body: (message.Body ?? '').slice(0, 4096),
        ...(message.Attributes?.ApproximateReceiveCount === undefined
          ? {}
          : { receiveCount: Number(message.Attributes.ApproximateReceiveCount) }),
        ...(message.Attributes?.SentTimestamp === undefined
          ? {}
          : { sentAt: new Date(Number(message.Attributes.SentTimestamp)).toISOString() }),
        ...(message.Attributes?.DeadLetterQueueSourceArn === undefined
          ? {}
          : { sourceArn: message.Attributes.DeadLetterQueueSourceArn }),
      })),
    };
  };

  on(router, DLQS_ROUTES.list, async (ctx) => {
    requireAdmin(ctx);
    ctx.body = { items: await Promise.all(DEAD_LETTER_QUEUES.map(summary)) };
  });

  on(router, DLQS_ROUTES.redrive, async (ctx) => {
    requireAdmin(ctx);
    const { arn, queueName, name } = await locate(ctx.params.name);
    const taskHandle = await startRedrive(deps.sqs, arn);
    ctx.status = 202;
    ctx.body = { name, queueName, taskHandle };
  });

  return router;
};
