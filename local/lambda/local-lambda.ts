/**
 * The local Lambda: the engine (engine.ts) served as the Lambda REST API on the edge (lambda-api.ts). `LocalLambda`
 * is both the in-process API (invoke by name or ARN) and, through `handle`, the emulation the edge routes to.
 */
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { LambdaEngine } from './engine';
import { handleLambdaRequest } from './lambda-api';

export * from './types';

export class LocalLambda extends LambdaEngine implements ServiceEmulator {
  readonly signingNames = ['lambda'] as const;

  /** The Lambda REST API on the edge. */
  handle(request: EdgeRequest): Promise<EdgeResponse> {
    return handleLambdaRequest(this, request);
  }
}
