/**
 * Replays of the bus's archive (EventBridge StartReplay), for the admin API, the dashboard and `npm run replay`,
 * in AWS and in the local cloud alike. A replay sends the archived events of a time window back to the bus, to every
 * rule or to one rule only (FilterArns); EventBridge marks each replayed event with `replay-name`.
 *
 * Safety: the consumers are idempotent on the event id (order events carry a stable `eventId`; the saga's start is
 * deduplicated by the execution name), but the processors' idempotency records expire after 24 hours. So a replay
 * to every rule is refused when its window starts more than 24 hours ago; an older window can be replayed to one
 * rule only — the case of a consumer added after the fact — which is the operator's explicit choice.
 */
import {
  DescribeEventBusCommand,
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  type EventBridgeClient,
  ListReplaysCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { PlatformError } from '../errors';
import { physicalName, rules } from '../platform/resources';
import type { RuleSpec } from '../platform/resources';

/** The processors' idempotency window (lambdas/shared/powertools.ts): a whole-bus replay must stay inside it. */
export const WHOLE_BUS_REPLAY_WINDOW_SECONDS = 24 * 60 * 60;

/** Rules a replay can be aimed at: the event-pattern rules of the platform bus. */
export const REPLAYABLE_RULES: readonly string[] = (rules as readonly RuleSpec[])
  .filter((rule) => rule.eventPattern !== undefined)
  .map((rule) => rule.name);

export const ReplayRequestSchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).describe('start of the window (ISO 8601), inclusive'),
    to: z.iso.datetime({ offset: true }).describe('end of the window (ISO 8601), exclusive; not in the future'),
    rule: z
      .enum(REPLAYABLE_RULES as [string, ...string[]])
      .optional()
      .describe('replay to this rule only; every rule of the bus when absent'),
  })
  .refine((request) => Date.parse(request.from) < Date.parse(request.to), {
    message: 'from must be before to',
    path: ['to'],
  });

export type ReplayRequest = z.infer<typeof ReplayRequestSchema>;

export interface ReplayStatus {
  readonly name: string;
  readonly state: string;
  readonly stateReason?: string;
  readonly from?: string;
  readonly to?: string;
  /** The logical rule the replay was aimed at; absent for every rule. */
  readonly rule?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** The event time the replay has reached (EventLastReplayedTime). */
  readonly lastReplayed?: string;
  /** 0-100: how far through the window the replay is, from EventLastReplayedTime; 100 once COMPLETED. */
  readonly percent?: number;
}

/** A replay the platform refuses to start (422). */
export class ReplayRefusedError extends PlatformError {
  constructor(message: string) {
    super(message, { code: 'REPLAY_REFUSED', httpStatus: 422 });
    this.name = 'ReplayRefusedError';
  }
}

export class ReplayNotFoundError extends PlatformError {
  constructor(name: string) {
    super(`No replay ${name}`, { code: 'REPLAY_NOT_FOUND', httpStatus: 404 });
    this.name = 'ReplayNotFoundError';
  }
}

export interface EventReplaysOptions {
  /** Physical name of the platform bus (EVENT_BUS_NAME). */
  readonly busName: string;
  /** The stage prefix of physical names (`local`, `orders-dev`). */
  readonly resourcePrefix: string;
  readonly now?: () => Date;
}

const iso = (value: Date | undefined): string | undefined => value?.toISOString();

export class EventReplays {
  private busArn: Promise<string> | undefined;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventReplaysOptions,
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async arns(): Promise<{ bus: string; archive: string; rule: (logical: string) => string }> {
    this.busArn ??= this.client
      .send(new DescribeEventBusCommand({ Name: this.options.busName }))
      .then((answer) => answer.Arn ?? '')
      .catch((error: unknown) => {
        this.busArn = undefined;
        throw error;
      });
    const bus = await this.busArn;
    // arn:aws:events:<region>:<account>:event-bus/<name>: the archive and the rules live beside it.
    const base = bus.slice(0, bus.indexOf(':event-bus/'));
    return {
      bus,
      archive: `${base}:archive/${this.options.busName}-archive`,
      rule: (logical) => `${base}:rule/${this.options.busName}/${physicalName(this.options.resourcePrefix, logical)}`,
    };
  }

  /** Starts a replay of [from, to) to every rule or to one. */
  async start(request: ReplayRequest): Promise<ReplayStatus> {
    const now = this.now();
    const from = new Date(request.from);
    const to = new Date(request.to);
    if (to.getTime() > now.getTime()) throw new ReplayRefusedError('to is in the future: only archived events replay');
    if (request.rule === undefined && now.getTime() - from.getTime() > WHOLE_BUS_REPLAY_WINDOW_SECONDS * 1000)
      throw new ReplayRefusedError(
        'a replay to every rule must start within the last 24 hours, the consumers\u2019 idempotency window; replay an older window to one rule (rule) instead',
      );
    const arns = await this.arns();
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const name = `${this.options.busName}-${stamp}-${Math.random().toString(36).slice(2, 6)}`.slice(0, 64);
    const answer = await this.client.send(
      new StartReplayCommand({
        ReplayName: name,
        Description: request.rule === undefined ? 'every rule' : `rule ${request.rule}`,
        EventSourceArn: arns.archive,
        EventStartTime: from,
        EventEndTime: to,
        Destination: {
          Arn: arns.bus,
          ...(request.rule === undefined ? {} : { FilterArns: [arns.rule(request.rule)] }),
        },
      }),
    );
    return {
      name,
      state: answer.State ?? 'STARTING',
      ...(answer.StateReason === undefined ? {} : { stateReason: answer.StateReason }),
      from: from.toISOString(),
      to: to.toISOString(),
      ...(request.rule === undefined ? {} : { rule: request.rule }),
      ...(answer.ReplayStartTime === undefined ? {} : { startedAt: iso(answer.ReplayStartTime) }),
      percent: 0,
    };
  }

  /** The replay's state and progress; ReplayNotFoundError for an unknown name. */
  async describe(name: string): Promise<ReplayStatus> {
    // Every replay the platform starts is named after its bus (start); others are not ours to show, and the role may
    // not read them (its grant names `replay/<bus>-*`).
    if (!name.startsWith(`${this.options.busName}-`)) throw new ReplayNotFoundError(name);
    const arns = await this.arns();
    let answer: DescribeReplayCommandOutput;
    try {
      answer = await this.client.send(new DescribeReplayCommand({ ReplayName: name }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') throw new ReplayNotFoundError(name);
      throw error;
    }
    const from = answer.EventStartTime;
    const to = answer.EventEndTime;
    const last = answer.EventLastReplayedTime;
    const state = answer.State ?? 'UNKNOWN';
    const filter = answer.Destination?.FilterArns?.[0];
    const rule = REPLAYABLE_RULES.find((logical) => arns.rule(logical) === filter);
    const span = from !== undefined && to !== undefined ? to.getTime() - from.getTime() : 0;
    const percent =
      state === 'COMPLETED'
        ? 100
        : last !== undefined && from !== undefined && span > 0
          ? Math.max(0, Math.min(99, Math.floor(((last.getTime() - from.getTime()) / span) * 100)))
          : 0;
    return {
      name,
      state,
      ...(answer.StateReason === undefined ? {} : { stateReason: answer.StateReason }),
      from: iso(from),
      to: iso(to),
      ...(rule === undefined ? {} : { rule }),
      startedAt: iso(answer.ReplayStartTime),
      endedAt: iso(answer.ReplayEndTime),
      lastReplayed: iso(last),
      percent,
    };
  }

  /** The archive's replays, newest first. */
  async list(): Promise<ReplayStatus[]> {
    const arns = await this.arns();
    const answer = await this.client.send(new ListReplaysCommand({ EventSourceArn: arns.archive, Limit: 50 }));
    return (answer.Replays ?? [])
      .map((replay) => ({
        name: replay.ReplayName ?? '',
        state: replay.State ?? 'UNKNOWN',
        ...(replay.StateReason === undefined ? {} : { stateReason: replay.StateReason }),
        from: iso(replay.EventStartTime),
        to: iso(replay.EventEndTime),
        startedAt: iso(replay.ReplayStartTime),
        endedAt: iso(replay.ReplayEndTime),
        lastReplayed: iso(replay.EventLastReplayedTime),
      }))
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  }
}
