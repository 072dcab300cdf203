import type { Logger } from '@aws-lambda-powertools/logger';

/** Who is calling. Set by the one authentication middleware (api/middleware/auth.ts). */
export interface Caller {
  readonly customerId: string;
  readonly isAdmin: boolean;
}

export interface AppState {
  requestId: string;
  logger: Logger;
  caller?: Caller;
}
