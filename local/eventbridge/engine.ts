/**
 * The local EventBridge's engine: buses, rules and targets, PutEvents matching each event against the rules'
 * compiled patterns, delivery to targets through the injected sink (asynchronously, with retries, so PutEvents never
 * waits for a target), schedules, archives and replays. The wire format is event-bridge-api.ts's.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../edge/types';
import { InputPathInvalidError, parseJsonPath, targetInput } from './input-transform';
import {
  compileEventPattern,
  EventPatternInvalidError,
  matchesCompiledPattern,
  type CompiledEventPattern,
} from './pattern';
import { scheduleIntervalSeconds, ScheduleExpressionInvalidError } from './schedule';
import {
  DEFAULT_BUS,
  delay,
  entrySize,
  invalid,
  isJsonObject,
  isJsonObjectOrValue,
  isoSeconds,
  MAX_ENTRIES,
  MAX_REQUEST_BYTES,
  notFound,
  toDate,
  type Archive,
  type LocalEventBridgeOptions,
  type PutEventsEntry,
  type PutEventsResult,
  type Replay,
  type Rule,
  type RuleInput,
  type Target,
} from './model';

export class EventBridgeEngine {
  private readonly region: string;
  private readonly account: string;
  readonly buses = new Map<string, { name: string; arn: string; description?: string }>();
  readonly rules = new Map<string, Rule>();
  readonly archives = new Map<string, Archive>();
  readonly replays = new Map<string, Replay>();
  private readonly pending = new Set<Promise<void>>();
  private schedulesRunning = false;

  constructor(private readonly options: LocalEventBridgeOptions) {
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.createEventBus(DEFAULT_BUS);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
  }

  ruleArn(bus: string, name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${name}`;
  }

  /** A bus name from a name or an ARN; default when absent. */
  private busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return DEFAULT_BUS;
    const match = /^arn:aws:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
    return match?.[1] ?? nameOrArn;
  }

  requireBus(nameOrArn: string | undefined): string {
    const name = this.busName(nameOrArn);
    if (!this.buses.has(name)) notFound(`Event bus ${name} does not exist.`);
    return name;
  }

  // ---- buses

  createEventBus(name: string, description?: string): string {
    if (!/^[A-Za-z0-9._\-/]{1,256}$/.test(name)) invalid(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name))
      throw new AwsServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const arn = this.busArn(name);
    this.buses.set(name, { name, arn, description });
    return arn;
  }

  deleteEventBus(name: string): void {
    if (name === DEFAULT_BUS) invalid('Cannot delete event bus default.');
    this.buses.delete(name);
    for (const [key, rule] of this.rules) {
      if (rule.bus === name) {
        this.stopSchedule(rule);
        this.rules.delete(key);
      }
    }
  }

  // ---- rules and targets

  ruleKey(bus: string, name: string): string {
    return `${bus}\u0000${name}`;
  }

  requireRule(name: string | undefined, busNameOrArn: string | undefined): Rule {
    if (!name) invalid('Parameter Name is required.');
    const bus = this.requireBus(busNameOrArn);
    const rule = this.rules.get(this.ruleKey(bus, name ?? ''));
    return rule ?? notFound(`Rule ${name} does not exist on EventBus ${bus}.`);
  }

  putRule(input: RuleInput): string {
    if (!input.Name || !/^[.\-_A-Za-z0-9]{1,64}$/.test(input.Name))
      invalid(`Rule name ${input.Name ?? ''} is not valid.`);
    if (!input.EventPattern && !input.ScheduleExpression)
      invalid('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    const bus = this.requireBus(input.EventBusName);
    const compiled = input.EventPattern ? this.compile(input.EventPattern) : undefined;
    if (input.ScheduleExpression) {
      if (bus !== DEFAULT_BUS) invalid('ScheduleExpression is supported only on the default event bus.');
      try {
        scheduleIntervalSeconds(input.ScheduleExpression);
      } catch (error) {
        if (error instanceof ScheduleExpressionInvalidError) invalid(error.message);
        throw error;
      }
    }
    if (input.State && input.State !== 'ENABLED' && input.State !== 'DISABLED')
      invalid(`State ${String(input.State)} is not valid.`);
    const key = this.ruleKey(bus, input.Name);
    const existing = this.rules.get(key);
    if (existing) this.stopSchedule(existing);
    const rule: Rule = {
      name: input.Name,
      bus,
      arn: this.ruleArn(bus, input.Name),
      eventPattern: input.EventPattern,
      compiled,
      scheduleExpression: input.ScheduleExpression,
      state: input.State ?? 'ENABLED',
      description: input.Description,
      targets: existing?.targets ?? new Map(),
    };
    this.rules.set(key, rule);
    this.startSchedule(rule);
    return rule.arn;
  }

  compile(pattern: string): CompiledEventPattern {
    try {
      return compileEventPattern(pattern);
    } catch (error) {
      if (error instanceof EventPatternInvalidError)
        throw new AwsServiceError('InvalidEventPatternException', error.message);
      throw error;
    }
  }

  putTargets(
    ruleName: string,
    busNameOrArn: string | undefined,
    targets: readonly Target[],
  ): { FailedEntryCount: number; FailedEntries: unknown[] } {
    const rule = this.requireRule(ruleName, busNameOrArn);
    if (targets.length === 0 || targets.length > 10) invalid('Targets must contain between 1 and 10 entries.');
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const target of targets) {
      const problem = this.targetProblem(target);
      if (problem) failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      else rule.targets.set(target.Id, target);
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  private targetProblem(target: Target): string | undefined {
    if (!target.Id || !/^[.\-_A-Za-z0-9]{1,64}$/.test(target.Id)) return `Target Id ${target.Id ?? ''} is not valid.`;
    if (!target.Arn) return 'Target Arn is required.';
    const kinds = [target.Input, target.InputPath, target.InputTransformer].filter((kind) => kind !== undefined).length;
    if (kinds > 1) return 'Only one of Input, InputPath, or InputTransformer must be provided.';
    if (target.Input !== undefined && !isJsonObjectOrValue(target.Input)) return 'Input is not valid JSON.';
    try {
      if (target.InputPath !== undefined) parseJsonPath(target.InputPath);
      for (const path of Object.values(target.InputTransformer?.InputPathsMap ?? {})) parseJsonPath(path);
    } catch (error) {
      if (error instanceof InputPathInvalidError) return error.message;
      throw error;
    }
    if (target.InputTransformer && typeof target.InputTransformer.InputTemplate !== 'string')
      return 'InputTemplate is required.';
    return undefined;
  }

  // ---- events

  /**
   * Validates and accepts up to 10 entries; matching rules' targets are called in the background. An entry without
   * its own TraceHeader continues `requestTraceHeader` (the request's X-Amzn-Trace-Id), as AWS does.
   */
  putEvents(entries: readonly PutEventsEntry[], requestTraceHeader?: string): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      invalid(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    if (entries.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_REQUEST_BYTES) {
      invalid('Total size of the entries in the request is over the limit.');
    }
    const results = entries.map((entry) => this.acceptEntry(entry, requestTraceHeader));
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  private acceptEntry(entry: PutEventsEntry, requestTraceHeader?: string): PutEventsResult['Entries'][number] {
    const argument = (name: string): { ErrorCode: string; ErrorMessage: string } => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
    });
    if (!entry.Source) return argument('Source');
    if (!entry.DetailType) return argument('DetailType');
    if (!entry.Detail) return argument('Detail');
    if (!isJsonObject(entry.Detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const bus = this.busName(entry.EventBusName);
    if (!this.buses.has(bus))
      return { ErrorCode: 'NotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    const time = toDate(entry.Time);
    if (time && Number.isNaN(time.getTime()))
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    const event: Record<string, unknown> = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.account,
      time: isoSeconds(time ?? this.now()),
      region: this.region,
      resources: [...(entry.Resources ?? [])],
      detail: JSON.parse(entry.Detail) as unknown,
    };
    this.archive(bus, event, entrySize(entry));
    this.route(bus, event, entry.TraceHeader ?? requestTraceHeader);
    return { EventId: event.id as string };
  }

  private archive(bus: string, event: Record<string, unknown>, size: number): void {
    for (const archive of this.archives.values()) {
      if (archive.sourceBus === bus && (!archive.compiled || matchesCompiledPattern(archive.compiled, event))) {
        archive.events.push({ at: this.now(), event, size });
      }
    }
  }

  /** Sends the event to every enabled, matching rule of the bus (optionally only the rules in `ruleArns`). */
  private route(bus: string, event: Record<string, unknown>, traceHeader?: string, ruleArns?: readonly string[]): void {
    for (const rule of this.rules.values()) {
      if (rule.bus !== bus || rule.state !== 'ENABLED' || !rule.compiled) continue;
      if (ruleArns && !ruleArns.includes(rule.arn)) continue;
      if (!matchesCompiledPattern(rule.compiled, event)) continue;
      this.dispatch(rule, event, traceHeader);
    }
  }

  private dispatch(rule: Rule, event: Record<string, unknown>, traceHeader?: string): void {
    const context = { ruleName: rule.name, ruleArn: rule.arn, ingestionTime: isoSeconds(this.now()) };
    for (const target of rule.targets.values()) {
      const input = targetInput(target, event, context);
      const delivery = this.deliver(rule, target, input, traceHeader);
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  private async deliver(rule: Rule, target: Target, input: string, traceHeader?: string): Promise<void> {
    const attempts = this.options.maxAttempts ?? 3;
    let wait = this.options.retryDelayMs ?? 50;
    await Promise.resolve();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.sink.deliver({ arn: target.Arn, input, id: target.Id, ruleArn: rule.arn, traceHeader });
        return;
      } catch (error) {
        if (attempt >= attempts) {
          this.options.onDeliveryError?.({
            ruleArn: rule.arn,
            targetId: target.Id,
            targetArn: target.Arn,
            attempts: attempt,
            error,
            input,
          });
          return;
        }
        await delay(wait);
        wait *= 2;
      }
    }
  }

  /** Resolves when every delivery started so far has finished (delivered or given up). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ---- schedules

  /** Starts the timers of enabled schedule rules, now and for rules put later. */
  startSchedules(): void {
    this.schedulesRunning = true;
    for (const rule of this.rules.values()) this.startSchedule(rule);
  }

  /** Stops every schedule timer; call before discarding the emulation. */
  stop(): void {
    this.schedulesRunning = false;
    for (const rule of this.rules.values()) this.stopSchedule(rule);
  }

  startSchedule(rule: Rule): void {
    this.stopSchedule(rule);
    if (!this.schedulesRunning || rule.state !== 'ENABLED' || !rule.scheduleExpression) return;
    const seconds = this.options.scheduleOverrides?.[rule.name] ?? scheduleIntervalSeconds(rule.scheduleExpression);
    if (seconds === undefined) return;
    rule.timer = setInterval(() => {
      const event: Record<string, unknown> = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: this.account,
        time: isoSeconds(this.now()),
        region: this.region,
        resources: [rule.arn],
        detail: {},
      };
      this.dispatch(rule, event);
    }, seconds * 1000);
    rule.timer.unref();
  }

  stopSchedule(rule: Rule): void {
    if (rule.timer) clearInterval(rule.timer);
    rule.timer = undefined;
  }

  // ---- archives and replays

  private archiveArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:archive/${name}`;
  }

  createArchive(input: {
    ArchiveName?: string;
    EventSourceArn?: string;
    EventPattern?: string;
    RetentionDays?: number;
    Description?: string;
  }): Archive {
    const name = input.ArchiveName ?? invalid('Parameter ArchiveName is required.');
    if (this.archives.has(name))
      throw new AwsServiceError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
    const sourceBus = this.requireBus(input.EventSourceArn ?? invalid('Parameter EventSourceArn is required.'));
    const archive: Archive = {
      name,
      arn: this.archiveArn(name),
      sourceBus,
      eventPattern: input.EventPattern,
      compiled: input.EventPattern ? this.compile(input.EventPattern) : undefined,
      retentionDays: input.RetentionDays ?? 0,
      description: input.Description,
      created: this.now(),
      events: [],
    };
    this.archives.set(name, archive);
    return archive;
  }

  requireArchive(nameOrArn: string | undefined): Archive {
    const name = (nameOrArn ?? '').replace(/^arn:aws:events:[^:]*:[^:]*:archive\//, '');
    return this.archives.get(name) ?? notFound(`Archive ${name} does not exist.`);
  }

  /** Replays the archived events in [start, end) to the destination bus's rules (or only the FilterArns rules). */
  startReplay(input: {
    ReplayName?: string;
    EventSourceArn?: string;
    EventStartTime?: number;
    EventEndTime?: number;
    Destination?: { Arn?: string; FilterArns?: string[] };
  }): Replay {
    const name = input.ReplayName ?? invalid('Parameter ReplayName is required.');
    if (this.replays.has(name))
      throw new AwsServiceError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = this.requireArchive(input.EventSourceArn);
    if (input.EventStartTime === undefined || input.EventEndTime === undefined)
      invalid('Parameters EventStartTime and EventEndTime are required.');
    const start = new Date((input.EventStartTime ?? 0) * 1000);
    const end = new Date((input.EventEndTime ?? 0) * 1000);
    if (start >= end)
      invalid('Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.');
    const destinationBus = this.requireBus(input.Destination?.Arn ?? invalid('Parameter Destination is required.'));
    if (destinationBus !== archive.sourceBus)
      invalid('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    const replay: Replay = {
      name,
      arn: `arn:aws:events:${this.region}:${this.account}:replay/${name}`,
      archive,
      destination: { Arn: this.busArn(destinationBus), FilterArns: input.Destination?.FilterArns },
      start,
      end,
      startedAt: this.now(),
      state: 'STARTING',
    };
    this.replays.set(name, replay);
    const selected = archive.events.filter((item) => item.at >= start && item.at < end);
    const run = (async () => {
      await Promise.resolve();
      replay.state = 'RUNNING';
      for (const item of selected) {
        this.route(destinationBus, { ...item.event, 'replay-name': name }, undefined, replay.destination.FilterArns);
        replay.lastReplayed = item.at;
      }
      replay.state = 'COMPLETED';
      replay.endedAt = this.now();
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return replay;
  }
}
