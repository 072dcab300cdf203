/**
 * Queue `webhook-deliveries`: one message per (endpoint, event). Delivers it the way the Standard Webhooks operational
 * guidance describes (core/webhooks/README.md has the whole story):
 *  - signs the stored payload (webhook-id stable across retries and resends, fresh webhook-timestamp per attempt) and
 *    POSTs it with a timeout to the address checked at connection time (core/webhooks/http-delivery.ts);
 *  - classifies the answer (core/webhooks/delivery-policy.ts): 2xx delivered, 410 disables the endpoint, 429/502/503/504
 *    throttle honouring Retry-After, everything else (3xx included) fails;
 *  - retries a failed delivery on the configured schedule with jitter (minutes to hours) by hiding the message
 *    (ChangeMessageVisibility, 12 h at most, so longer waits hop), and gives it up to webhook-deliveries-dlq when the
 *    schedule is used up or the delivery is older than its maximum age;
 *  - runs every attempt through the endpoint's circuit breaker (core/webhooks/endpoint-health.ts, cockatiel) whose
 *    state is shared with every other instance through the endpoint's item; while it is open, or the receiver said
 *    Retry-After, messages to that endpoint are paused (hidden until the probe), never dead-lettered.
 * One item per delivery records its state and attempts (the owner lists and resends from it); a delivered one is not
 * sent again, so a repeated event, a replay or a duplicate message sends nothing. Writes per attempt: the delivery
 * record (1), the endpoint's health only when it changes (a failure, a recovery, a probe claim), and the order's
 * activity line (1, best effort).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import {
  classifyAnswer,
  countsAgainstEndpoint,
  deliveryPolicyFromEnv,
  nextRetryDelaySeconds,
  pauseSeconds,
  queueSeconds,
} from '../../core/webhooks/delivery-policy';
import type { AttemptVerdict, DeliveryPolicy } from '../../core/webhooks/delivery-policy';
import {
  EndpointCircuit,
  EndpointCircuits,
  HEALTHY,
  pausedUntil,
  probeAt,
  sameBreaker,
} from '../../core/webhooks/endpoint-health';
import type { EndpointHealth } from '../../core/webhooks/endpoint-health';
import { postWebhook } from '../../core/webhooks/http-delivery';
import type { DeliveryOutcome, Resolver } from '../../core/webhooks/http-delivery';
import { DeliveryMessageSchema } from '../../core/webhooks/registration';
import type {
  DeliveryFailureReason,
  DeliveryMessage,
  DeliveryRecord,
  WebhookEndpoint,
} from '../../core/webhooks/registration';
import { signedHeaders } from '../../core/webhooks/signing';
import { parseReservedPorts, type UrlPolicy } from '../../core/webhooks/url-safety';
import { captured, invocationLogger } from '../shared/powertools';
import type { LambdaContext } from '../shared/lambda-context';
import { processSqsBatch } from '../shared/sqs-batch';
import type { BatchResponse, SqsEvent, SqsRecord } from '../shared/sqs-batch';
import { traced } from '../shared/traced';

/** The record is left on the queue on purpose (retry later, or paused); not a fault. */
export class WebhookDeliveryDeferredError extends Error {
  constructor(
    readonly messageId: string,
    readonly reason: string,
    readonly visibleInSeconds: number,
  ) {
    super(`message ${messageId}: ${reason}; back in ${visibleInSeconds} s`);
    this.name = 'WebhookDeliveryDeferredError';
  }
}

export class WebhookMessageInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookMessageInvalidError';
  }
}

export class ConfigValueInvalidError extends Error {
  constructor(key: string, message: string) {
    super(`environment variable ${key}: ${message}`);
    this.name = 'ConfigValueInvalidError';
  }
}

/** WEBHOOK_ALLOW_LOOPBACK: `true` only in the local cloud; absent or `false` in AWS. */
export const urlPolicyFromEnv = (env: Env): UrlPolicy => {
  const raw = env.WEBHOOK_ALLOW_LOOPBACK?.trim();
  if (raw === undefined || raw === '' || raw === 'false') return { allowLoopback: false };
  if (raw === 'true') {
    const reservedPorts = parseReservedPorts(env.WEBHOOK_RESERVED_PORTS);
    return reservedPorts.length === 0 ? { allowLoopback: true } : { allowLoopback: true, reservedPorts };
  }
  throw new ConfigValueInvalidError('WEBHOOK_ALLOW_LOOPBACK', `expected true or false, got ${JSON.stringify(raw)}`);
};

export interface DeliverWebhookDeps {
  readonly store: Pick<DynamoWebhookStore, 'getEndpoint' | 'getDelivery' | 'saveDelivery' | 'saveHealth'>;
  readonly sqs: SQSClient;
  /** webhook-deliveries-dlq: where a given-up delivery goes for an operator (the owner resends from its record). */
  readonly deadLetterQueueUrl: string;
  readonly urlPolicy: UrlPolicy;
  readonly delivery: DeliveryPolicy;
  readonly timeoutMs?: number;
  readonly resolver?: Resolver;
  readonly now?: () => Date;
  /** [0, 1): the jitter of retries and pauses. */
  readonly random?: () => number;
  /** Where each attempt is also recorded under its order for the order page (GET /api/orders/:id/activity). */
  readonly activity?: Pick<DynamoOrderActivityStore, 'recordDeliveryAttempt'>;
}

const parseMessage = (body: string): DeliveryMessage => {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new WebhookMessageInvalidError('the delivery message is not JSON', { cause });
  }
  const parsed = DeliveryMessageSchema.safeParse(raw);
  if (!parsed.success)
    throw new WebhookMessageInvalidError(`not a delivery message: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
};

// The order's trace is found by its orderId annotation (issue 7); the payload is `{type, timestamp, data: {orderId, ...}}`.
const orderAnnotation = (payload: string): { orderId?: string } => {
  try {
    const orderId = (JSON.parse(payload) as { data?: { orderId?: unknown } }).data?.orderId;
    return typeof orderId === 'string' ? { orderId } : {};
  } catch {
    return {};
  }
};

/** What happens to the message: deleted (done) or hidden for `seconds` and failed so SQS brings it back. */
type Disposition =
  | { readonly kind: 'done' }
  | { readonly kind: 'later'; readonly seconds: number; readonly reason: string };
const DONE: Disposition = { kind: 'done' };

type Attempted =
  | {
      readonly kind: 'answered';
      readonly outcome: DeliveryOutcome;
      readonly verdict: AttemptVerdict;
      readonly at: Date;
    }
  /** Another instance holds the half-open probe of this endpoint. */
  | { readonly kind: 'probe-taken' };

const HEALTH_WRITE_TRIES = 3;

export const createDeliverWebhookHandler = (deps: DeliverWebhookDeps) => {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const policy = deps.delivery;
  const timeoutMs = deps.timeoutMs ?? 4000;
  // One breaker per endpoint in this instance, rebuilt from the table whenever another instance changed it.
  const circuits = new EndpointCircuits(policy);
  const queueUrls = new Map<string, Promise<string>>();
  const queueUrlOf = (arn: string): Promise<string> => {
    let url = queueUrls.get(arn);
    if (url === undefined) {
      const [, , , , account, name] = arn.split(':');
      url = deps.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((response) => response.QueueUrl ?? '');
      queueUrls.set(arn, url);
      url.catch(() => queueUrls.delete(arn));
    }
    return url;
  };

  /** Seconds a paused message waits: until `untilMs` (wall clock) at least, growing with its receives, with jitter. */
  const pause = (untilMs: number, receiveCount: number): number => {
    const untilRealSeconds = Math.max(0, untilMs - now().getTime()) / 1000 / policy.timeScale;
    return queueSeconds(policy, pauseSeconds(policy, untilRealSeconds, receiveCount, random));
  };

  // The health this instance wrote last, per endpoint, and a queue of its writes: records of one batch run in
  // parallel, and without these they would race each other's conditional writes instead of only other instances'.
  const written = new Map<string, EndpointHealth>();
  const writing = new Map<string, Promise<void>>();
  const serially = (webhookId: string, work: () => Promise<void>): Promise<void> => {
    const next = (writing.get(webhookId) ?? Promise.resolve()).then(work, work);
    writing.set(webhookId, next);
    return next.finally(() => {
      if (writing.get(webhookId) === next) writing.delete(webhookId);
    });
  };

  /**
   * Writes the endpoint's health after an attempt, conditional on the version read. On a conflict (another instance
   * wrote first) the outcome is applied again to the newer state, through a breaker restored from it.
   */
  const recordOnEndpoint = (
    endpoint: WebhookEndpoint,
    health: EndpointHealth,
    circuit: EndpointCircuit,
    verdict: AttemptVerdict,
    at: Date,
    error: string | undefined,
    log: Logger,
  ): Promise<void> =>
    serially(endpoint.webhookId, () => {
      const mine = written.get(endpoint.webhookId);
      const newest = mine !== undefined && mine.version > health.version ? mine : health;
      return writeHealth(endpoint, newest, circuit, verdict, at, error, log);
    });

  const writeHealth = async (
    endpoint: WebhookEndpoint,
    health: EndpointHealth,
    circuit: EndpointCircuit,
    verdict: AttemptVerdict,
    at: Date,
    error: string | undefined,
    log: Logger,
  ): Promise<void> => {
    let current = health;
    let breaker = circuit;
    for (let attempt = 1; attempt <= HEALTH_WRITE_TRIES; attempt += 1) {
      const snapshot = breaker.snapshot();
      const failure = countsAgainstEndpoint(verdict);
      const { probeClaimedUntil: _claim, throttledUntil: _throttle, ...kept } = current;
      let next: EndpointHealth | undefined;
      if (verdict.kind === 'gone')
        next = {
          ...kept,
          version: current.version + 1,
          breaker: snapshot,
          lastStatusCode: 410,
          lastError: 'HTTP 410 Gone: the receiver asked for no more webhooks',
          lastFailureAt: at.toISOString(),
          disabledAt: at.toISOString(),
          disabledReason: 'HTTP 410 Gone',
        };
      else if (failure) {
        const retryAfter = verdict.kind === 'throttled' ? verdict.retryAfterSeconds : undefined;
        next = {
          ...kept,
          version: current.version + 1,
          breaker: snapshot,
          ...(verdict.statusCode === undefined
            ? { lastStatusCode: undefined }
            : { lastStatusCode: verdict.statusCode }),
          lastError: (verdict.statusCode === undefined ? (error ?? 'no response') : `HTTP ${verdict.statusCode}`).slice(
            0,
            300,
          ),
          lastFailureAt: at.toISOString(),
          ...(retryAfter === undefined || retryAfter === 0
            ? {}
            : { throttledUntil: new Date(at.getTime() + retryAfter * 1000 * policy.timeScale).toISOString() }),
        };
      } else if (
        !sameBreaker(snapshot, current.breaker) ||
        current.probeClaimedUntil !== undefined ||
        current.throttledUntil !== undefined ||
        current.resumeAt !== undefined
      )
        next = { ...kept, version: current.version + 1, breaker: snapshot };
      // A success that changes nothing (the common case) writes nothing.
      if (next === undefined) return;
      const { resumeAt: _resume, ...unpaused } = next;
      const resumeAt = pausedUntil(policy, unpaused, at.getTime());
      const cleaned = JSON.parse(
        JSON.stringify(resumeAt === undefined ? unpaused : { ...unpaused, resumeAt: new Date(resumeAt).toISOString() }),
      ) as EndpointHealth;
      if (await deps.store.saveHealth(endpoint.customerId, endpoint.webhookId, current.version, cleaned)) {
        written.set(endpoint.webhookId, cleaned);
        circuits.adopt(endpoint.webhookId, breaker, cleaned.version);
        return;
      }
      const fresh = await deps.store.getEndpoint(endpoint.customerId, endpoint.webhookId);
      if (fresh === undefined) return;
      current = fresh.health ?? HEALTHY;
      if (current.disabledAt !== undefined) return;
      breaker = EndpointCircuit.restore(policy, current);
      // The same outcome through the newer state: an open circuit there stays as it is.
      await breaker.run(async () => ({ failure, result: undefined }));
    }
    log.warn('the endpoint health could not be written after concurrent updates', { tries: HEALTH_WRITE_TRIES });
  };

  const handleRecord = async (record: SqsRecord, context: LambdaContext): Promise<Disposition> => {
    let message: DeliveryMessage;
    try {
      message = parseMessage(record.body);
    } catch (error) {
      // No retry can make it valid: straight to the dead-letter queue for an operator to read.
      invocationLogger({ processor: 'deliver-webhook' }, context).error('invalid delivery message', error as Error);
      await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, MessageBody: record.body }));
      return DONE;
    }
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const log = invocationLogger(
      {
        processor: 'deliver-webhook',
        deliveryId: message.deliveryId,
        webhookId: message.webhookId,
        eventId: message.eventId,
        receiveCount,
      },
      context,
    );
    const started = now();
    const nowMs = started.getTime();
    const [endpoint, existing] = await Promise.all([
      deps.store.getEndpoint(message.customerId, message.webhookId),
      deps.store.getDelivery(message.webhookId, message.deliveryId),
    ]);
    if (endpoint === undefined) {
      log.info('endpoint deleted; delivery dropped');
      return DONE;
    }
    const round = message.round ?? 0;
    if (existing !== undefined && existing.round > round) {
      log.info('superseded by a resend; dropped', { round, recordRound: existing.round });
      return DONE;
    }
    const sameRound = existing !== undefined && existing.round === round;
    if (sameRound && existing.status === 'delivered') {
      log.info('already delivered; nothing sent');
      return DONE;
    }
    // The current pass of the schedule goes on only while the record is pending in this round; a failed record
    // received again (a DLQ redrive) starts a new pass, as does a resend (a new round).
    const pass = sameRound && existing.status === 'pending' ? existing : undefined;
    if (pass?.nextAttemptAt !== undefined && Date.parse(pass.nextAttemptAt) > nowMs + 1000) {
      // Back early: a wait longer than one visibility (12 h) hops, and a duplicate copy of the message waits too.
      const seconds = Math.min(43_200, Math.ceil((Date.parse(pass.nextAttemptAt) - nowMs) / 1000));
      return { kind: 'later', seconds, reason: 'not due yet' };
    }

    // How old the delivery is: from its current pass; from when the message was first queued before any attempt;
    // from now for a new pass (a resend or a DLQ redrive of a record that has attempts already).
    const passStart =
      pass !== undefined
        ? Date.parse(pass.passStartedAt)
        : existing === undefined
          ? Number(record.attributes.SentTimestamp ?? nowMs)
          : nowMs;

    const base = {
      webhookId: message.webhookId,
      customerId: message.customerId,
      deliveryId: message.deliveryId,
      eventId: message.eventId,
      eventType: message.eventType,
      payload: message.payload,
      round,
      attempts: existing?.attempts ?? 0,
      failedAttempts: pass?.failedAttempts ?? 0,
      passStartedAt: new Date(passStart).toISOString(),
      attemptLog: pass?.attemptLog ?? [],
      ...(existing?.lastAttemptAt === undefined ? {} : { lastAttemptAt: existing.lastAttemptAt }),
      ...(existing?.lastStatusCode === undefined ? {} : { lastStatusCode: existing.lastStatusCode }),
      ...(existing?.lastError === undefined ? {} : { lastError: existing.lastError }),
    } satisfies Partial<DeliveryRecord>;

    const giveUp = async (
      reason: DeliveryFailureReason,
      fields: Partial<DeliveryRecord>,
      toDeadLetters: boolean,
    ): Promise<Disposition> => {
      // The DLQ first: if it fails, the message stays and the next receive gives it up again.
      if (toDeadLetters)
        await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, MessageBody: record.body }));
      const { nextAttemptAt: _next, ...rest } = { ...base, ...fields };
      await deps.store.saveDelivery({ ...rest, status: 'failed', failureReason: reason }, now().toISOString());
      // Dead-lettered deliveries are an operator's concern; the others (410, disabled) are the owner's, on the dashboard.
      if (toDeadLetters) log.warn('delivery given up to the dead-letter queue', { reason, attempts: rest.attempts });
      else log.info('delivery failed; the owner can resend it', { reason, attempts: rest.attempts });
      return DONE;
    };

    if (nowMs - passStart > policy.maxDeliveryAgeSeconds * 1000 * policy.timeScale) return giveUp('too-old', {}, true);

    const health = endpoint.health ?? HEALTHY;
    if (health.disabledAt !== undefined) return giveUp('endpoint-disabled', {}, false);
    const pausedTo = pausedUntil(policy, health, nowMs);
    if (pausedTo !== undefined) {
      log.info('endpoint paused; delivery waits', { until: new Date(pausedTo).toISOString() });
      return { kind: 'later', seconds: pause(pausedTo, receiveCount), reason: 'endpoint paused' };
    }

    const circuit = circuits.of(endpoint.webhookId, health);
    let claimed: EndpointHealth | undefined;
    const run = await circuit.run<Attempted>(async (probe) => {
      if (probe) {
        // One probe across every instance: the one whose conditional write wins sends it; the others wait.
        const claim: EndpointHealth = {
          ...health,
          version: health.version + 1,
          probeClaimedUntil: new Date(now().getTime() + timeoutMs + 5000).toISOString(),
        };
        if (!(await deps.store.saveHealth(endpoint.customerId, endpoint.webhookId, health.version, claim)))
          return { failure: true, result: { kind: 'probe-taken' } };
        claimed = claim;
      }
      const at = now();
      const headers = signedHeaders(
        endpoint.secret,
        message.deliveryId,
        Math.floor(at.getTime() / 1000),
        message.payload,
      );
      const outcome = await postWebhook(endpoint.url, { ...headers }, message.payload, {
        policy: deps.urlPolicy,
        timeoutMs,
        resolver: deps.resolver,
      });
      const verdict = classifyAnswer(outcome.statusCode, outcome.retryAfter, now().getTime());
      return { failure: countsAgainstEndpoint(verdict), result: { kind: 'answered', outcome, verdict, at } };
    });
    if (!run.ran) {
      const until = probeAt(policy, { version: 0, breaker: circuit.snapshot() }) ?? nowMs;
      log.info('circuit open; delivery waits', { until: new Date(until).toISOString() });
      return { kind: 'later', seconds: pause(until, receiveCount), reason: 'circuit open' };
    }
    if (run.result.kind === 'probe-taken')
      return { kind: 'later', seconds: pause(nowMs + timeoutMs + 5000, receiveCount), reason: 'another probe runs' };

    const { outcome, verdict, at } = run.result;
    await recordOnEndpoint(endpoint, claimed ?? health, circuit, verdict, at, outcome.error, log);

    const attempt = base.attempts + 1;
    const entry = {
      attempt,
      at: at.toISOString(),
      ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
      ...(outcome.error === undefined ? {} : { error: outcome.error.slice(0, 300) }),
      durationMs: outcome.durationMs,
    };
    const attempted = {
      ...base,
      attempts: attempt,
      attemptLog: [...base.attemptLog, entry],
      lastAttemptAt: entry.at,
      ...(outcome.statusCode === undefined ? { lastStatusCode: undefined } : { lastStatusCode: outcome.statusCode }),
      ...(verdict.kind === 'delivered'
        ? { lastError: undefined }
        : { lastError: entry.error ?? `HTTP ${outcome.statusCode}` }),
    };
    await recordActivity(message, endpoint, attempt, outcome, verdict, at, log);

    if (verdict.kind === 'delivered') {
      await deps.store.saveDelivery(strip({ ...attempted, status: 'delivered', deliveredAt: entry.at }), entry.at);
      log.info('delivered', { statusCode: outcome.statusCode, durationMs: outcome.durationMs, probe: run.probe });
      return DONE;
    }
    if (verdict.kind === 'gone') return giveUp('endpoint-gone', strip(attempted), false);
    const failedAttempts = base.failedAttempts + 1;
    const delay = nextRetryDelaySeconds(policy, failedAttempts, verdict, random);
    if (delay === undefined) return giveUp('schedule-exhausted', strip({ ...attempted, failedAttempts }), true);
    const seconds = queueSeconds(policy, delay);
    await deps.store.saveDelivery(
      strip({
        ...attempted,
        failedAttempts,
        status: 'pending',
        nextAttemptAt: new Date(now().getTime() + seconds * 1000).toISOString(),
      }),
      entry.at,
    );
    return {
      kind: 'later',
      seconds,
      reason: `attempt ${attempt} ${verdict.kind} (${outcome.statusCode ?? outcome.error ?? 'no response'})`,
    };
  };

  const recordActivity = async (
    message: DeliveryMessage,
    endpoint: WebhookEndpoint,
    attempt: number,
    outcome: DeliveryOutcome,
    verdict: AttemptVerdict,
    at: Date,
    log: Logger,
  ): Promise<void> => {
    const { orderId } = orderAnnotation(message.payload);
    if (deps.activity === undefined || orderId === undefined) return;
    // The delivery's own record is the record of truth; a failure here must not re-send a delivered event.
    await deps.activity
      .recordDeliveryAttempt(orderId, {
        webhookId: message.webhookId,
        deliveryId: message.deliveryId,
        url: endpoint.url,
        eventType: message.eventType,
        attempt,
        ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
        at: at.toISOString(),
        outcome: verdict.kind === 'delivered' ? 'DELIVERED' : 'FAILED',
      })
      .catch((error: unknown) => log.warn('the attempt could not be recorded under the order', error as Error));
  };

  return async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> =>
    processSqsBatch(
      event,
      async (record: SqsRecord) => {
        const annotations = (() => {
          try {
            const message = parseMessage(record.body);
            return {
              webhookId: message.webhookId,
              eventId: message.eventId,
              ...orderAnnotation(message.payload),
            };
          } catch {
            return {};
          }
        })();
        const disposition = await traced('## deliver-webhook', { processor: 'deliver-webhook', ...annotations }, () =>
          handleRecord(record, context),
        );
        if (disposition.kind === 'done') return;
        // Hiding is what spaces the retry; if it fails, the queue's visibility timeout brings the message back sooner.
        await queueUrlOf(record.eventSourceARN)
          .then((queueUrl) =>
            deps.sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: queueUrl,
                ReceiptHandle: record.receiptHandle,
                VisibilityTimeout: disposition.seconds,
              }),
            ),
          )
          .catch((visibilityError: unknown) =>
            invocationLogger({ processor: 'deliver-webhook', messageId: record.messageId }).warn(
              'could not hide the message; the queue visibility timeout applies',
              visibilityError as Error,
            ),
          );
        throw new WebhookDeliveryDeferredError(record.messageId, disposition.reason, disposition.seconds);
      },
      { throwOnFullBatchFailure: false },
    );
};

/** Drops the fields set to undefined, so the record written holds only what is known. */
const strip = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

let configured: ((event: SqsEvent, context: LambdaContext) => Promise<BatchResponse>) | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: SqsEvent, context: LambdaContext): Promise<BatchResponse> => {
  if (configured === undefined) {
    const dynamo = captured(new DynamoDBClient({}));
    const tableName = requiredEnv(process.env, 'TABLE_NAME');
    const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    configured = createDeliverWebhookHandler({
      store: new DynamoWebhookStore(documents, tableName),
      activity: new DynamoOrderActivityStore(documents, tableName),
      sqs: captured(new SQSClient({})),
      deadLetterQueueUrl: requiredEnv(process.env, 'WEBHOOK_DEAD_LETTER_QUEUE_URL'),
      urlPolicy: urlPolicyFromEnv(process.env),
      delivery: deliveryPolicyFromEnv(process.env),
    });
  }
  return configured(event, context);
};
