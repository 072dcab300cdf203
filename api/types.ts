import type { RequestLogger } from './middleware/request-context';

/** Who is calling. Set by the one authentication middleware (api/middleware/auth.ts). */
export interface Caller {
  readonly customerId: string;
  readonly isAdmin: boolean;
}

export interface AppState {
  requestId: string;
  /** The process's logger with this request's id on every line. */
  logger: RequestLogger;
  caller?: Caller;
}
