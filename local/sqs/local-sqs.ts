/**
 * The local SQS: standard queues held in memory (SqsEngine: queues, messages, redrive, move tasks), served as the
 * SQS JSON API on the edge (sqs-api.ts). `LocalSqs` is both the in-process API other parts of the local cloud call
 * and, through `handle`, the emulation the edge routes to.
 */
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { SqsEngine } from './engine';
import { handleSqsRequest } from './sqs-api';

export { LOCAL_ACCOUNT_ID } from './messages';
export type {
  LocalSqsOptions,
  MoveTask,
  MoveTaskStatus,
  QueueDepths,
  QueueSummary,
  ReceiveOptions,
  ReceivedMessage,
  SendOptions,
} from './messages';

export class LocalSqs extends SqsEngine implements ServiceEmulator {
  readonly signingNames = ['sqs'] as const;

  /** The SQS JSON API on the edge. */
  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return handleSqsRequest(this, request);
  }
}
