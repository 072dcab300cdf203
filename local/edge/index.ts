/** The edge: one HTTP endpoint routing AWS API calls to emulations (subpath `@order-platform/local-cloud/edge`). */
export { startEdge, type EdgeFaults, type ExtraRoute, type RunningEdge } from './server';
export type { EdgeRequest, EdgeResponse, ServiceEmulator } from './types';
