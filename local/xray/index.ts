/** The local X-Ray: daemon collector, trace store and API (subpath `@order-platform/local-cloud/xray`). */
export { startDaemonCollector, type RunningDaemonCollector } from './daemon-collector';
export { TraceStore } from './trace-store';
export { LocalXRay } from './xray-api';
