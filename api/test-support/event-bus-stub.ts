/**
 * A tiny HTTP stand-in for the EventBridge PutEvents API, for the API tests only (api/test-support/api-harness.ts,
 * api/server.int.test.ts), where a test must make PutEvents fail or count what was published; `npm start`, the bench
 * and the cloud-backed harness use the local cloud's real EventBridge. It answers the AWS JSON 1.1 protocol, can be
 * told to fail entries, and keeps every accepted event as the envelope a rule would deliver. It runs no rule: nothing
 * it accepts reaches the events log (that path is tested through the local cloud, `startCloudApiHarness`).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { EventBridgeEnvelope } from '../../core/events/order-events';

export interface EventBusStub {
  readonly endpoint: string;
  readonly received: EventBridgeEnvelope[];
  /** While set, every entry fails with this error code (FailedEntryCount > 0, HTTP 200, as AWS does). */
  failEntriesWith: string | undefined;
  stop(): Promise<void>;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
}

export const startEventBusStub = async (): Promise<EventBusStub> => {
  const received: EventBridgeEnvelope[] = [];
  const state: { failEntriesWith: string | undefined } = { failEntriesWith: undefined };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      const target = String(request.headers['x-amz-target'] ?? '');
      // What GET /ready asks (api/readiness.ts): the bus exists.
      if (target === 'AWSEvents.DescribeEventBus')
        return reply(200, {
          Name: 'local-orders',
          Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/local-orders',
        });
      // The stand-in has no archive: the replays of GET/POST /api/admin/replays meet what an EventBridge outage answers.
      if (target !== 'AWSEvents.PutEvents')
        return reply(503, { __type: 'ServiceUnavailableException', message: `the stand-in does not serve ${target}` });
      let entries: PutEventsEntry[];
      try {
        entries = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] }).Entries ?? [];
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'bad JSON' });
      }
      if (state.failEntriesWith !== undefined) {
        const code = state.failEntriesWith;
        return reply(200, {
          FailedEntryCount: entries.length,
          Entries: entries.map(() => ({ ErrorCode: code, ErrorMessage: 'stub told to fail' })),
        });
      }
      const accepted = entries.map((entry) => {
        const envelope: EventBridgeEnvelope = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType ?? '',
          source: entry.Source ?? '',
          account: '000000000000',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
        };
        received.push(envelope);
        return envelope;
      });
      return reply(200, { FailedEntryCount: 0, Entries: accepted.map((envelope) => ({ EventId: envelope.id })) });
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    get failEntriesWith() {
      return state.failEntriesWith;
    },
    set failEntriesWith(value: string | undefined) {
      state.failEntriesWith = value;
    },
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
};
