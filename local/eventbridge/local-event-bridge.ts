/**
 * The local EventBridge: the engine (engine.ts: buses, rules, targets, delivery, schedules, archives, replays)
 * served as the AWSEvents JSON API on the edge (event-bridge-api.ts). `LocalEventBridge` is both the in-process API
 * the local cloud calls and the emulation the edge routes to.
 */
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { EventBridgeEngine } from './engine';
import { handleEventBridgeRequest } from './event-bridge-api';

export { entrySize } from './model';
export type {
  DeliveryFailure,
  LocalEventBridgeOptions,
  PutEventsEntry,
  PutEventsResult,
  RuleInput,
  Target,
  TargetSink,
} from './model';

export class LocalEventBridge extends EventBridgeEngine implements ServiceEmulator {
  readonly signingNames = ['events'] as const;

  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return handleEventBridgeRequest(this, request);
  }
}
