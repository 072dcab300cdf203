import { createSocket } from 'node:dgram';
import {
  parseDaemonDatagram,
  startDaemonCollector,
  XRayDaemonProtocolError,
  type RunningDaemonCollector,
} from './daemon-collector';
import { TraceStore } from './trace-store';

const TRACE = '1-65f00000-0123456789abcdef01234567';
const HEADER = '{"format":"json","version":1}\n';

const send = (port: number, text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const client = createSocket('udp4');
    client.send(Buffer.from(text), port, '127.0.0.1', (error) => {
      client.close();
      if (error) reject(error);
      else resolve();
    });
  });

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('X-Ray daemon collector', () => {
  let store: TraceStore;
  let collector: RunningDaemonCollector;

  beforeEach(async () => {
    store = new TraceStore();
    collector = await startDaemonCollector(store);
  });
  afterEach(() => collector.close());

  it('stores a segment sent as the daemon protocol over UDP on 127.0.0.1', async () => {
    await send(
      collector.port,
      `${HEADER}${JSON.stringify({ name: 'orders-api', id: 'aaaaaaaaaaaaaaaa', trace_id: TRACE, start_time: 1, end_time: 2 })}`,
    );
    await until(() => store.has(TRACE));

    expect(collector.address).toBe(`127.0.0.1:${collector.port}`);
    expect(store.getTrace(TRACE)?.Segments.map((s) => s.Id)).toEqual(['aaaaaaaaaaaaaaaa']);
  });

  it('drops a datagram without the protocol header and stores nothing', async () => {
    await send(
      collector.port,
      JSON.stringify({ name: 'orders-api', id: 'aaaaaaaaaaaaaaaa', trace_id: TRACE, start_time: 1, end_time: 2 }),
    );
    await until(() => collector.stats().dropped > 0);

    expect(collector.stats()).toEqual({ received: 0, dropped: 1 });
    expect(store.size).toBe(0);
  });

  it('refuses another header version', () => {
    expect(() => parseDaemonDatagram('{"format":"json","version":2}\n{}')).toThrow(XRayDaemonProtocolError);
  });

  it('collects what the X-Ray SDK emits through AWS_XRAY_DAEMON_ADDRESS', async () => {
    const AWSXRay = (await import('aws-xray-sdk-core')).default;
    AWSXRay.setDaemonAddress(collector.address);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    const segment = new AWSXRay.Segment('sdk-segment');
    segment.addAnnotation('orderId', 'o-1');

    segment.close();
    await until(() => store.size > 0);

    const [summary] = store.summaries(0, Date.now() / 1000 + 10);
    expect(summary?.Annotations.orderId).toEqual([{ AnnotationValue: { StringValue: 'o-1' } }]);
  });
});
