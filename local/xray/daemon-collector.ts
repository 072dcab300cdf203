/**
 * A collector speaking the X-Ray daemon protocol: UDP datagrams on 127.0.0.1, each the header line
 * `{"format":"json","version":1}`, a newline, then one segment document (a whole segment, an in-progress one, or a
 * subsegment sent on its own). Documents go to a TraceStore; a datagram that breaks the protocol is counted and
 * dropped. Processes find it through AWS_XRAY_DAEMON_ADDRESS (`127.0.0.1:<port>`).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { LocalLogger } from '../edge/logger';
import type { TraceStore } from './trace-store';

export interface RunningDaemonCollector {
  readonly port: number;
  /** The value for AWS_XRAY_DAEMON_ADDRESS. */
  readonly address: string;
  /** Datagrams accepted and dropped so far. */
  readonly stats: () => { readonly received: number; readonly dropped: number };
  close(): Promise<void>;
}

export class XRayDaemonProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XRayDaemonProtocolError';
  }
}

/** Splits a datagram into its header and document; throws XRayDaemonProtocolError when it is not the daemon protocol. */
export const parseDaemonDatagram = (datagram: Buffer | string): unknown => {
  const text = datagram.toString();
  const newline = text.indexOf('\n');
  if (newline < 0)
    throw new XRayDaemonProtocolError('a datagram is a header line, a newline, then the segment document');
  let header: unknown;
  let document: unknown;
  try {
    header = JSON.parse(text.slice(0, newline));
    document = JSON.parse(text.slice(newline + 1));
  } catch (error) {
    throw new XRayDaemonProtocolError(`not JSON: ${(error as Error).message}`);
  }
  const { format, version } = (header ?? {}) as { format?: unknown; version?: unknown };
  if (format !== 'json' || version !== 1)
    throw new XRayDaemonProtocolError(
      `unsupported header ${text.slice(0, newline)}; expected {"format":"json","version":1}`,
    );
  return document;
};

/** Starts the collector on a free UDP port of 127.0.0.1 (or `port`). */
export const startDaemonCollector = async (
  store: TraceStore,
  options: { readonly port?: number; readonly logger?: LocalLogger } = {},
): Promise<RunningDaemonCollector> => {
  const socket: Socket = createSocket('udp4');
  let received = 0;
  let dropped = 0;
  socket.on('message', (datagram) => {
    try {
      const outcome = store.add([parseDaemonDatagram(datagram)]);
      if (outcome.rejected.length > 0)
        throw new XRayDaemonProtocolError(outcome.rejected.map((r) => r.message).join('; '));
      received += 1;
    } catch (error) {
      dropped += 1;
      options.logger?.warn('x-ray collector dropped a datagram', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (error) => options.logger?.error('x-ray collector socket error', { error: error.message }));
  socket.unref();
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    stats: () => ({ received, dropped }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
};
