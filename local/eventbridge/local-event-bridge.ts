/**
 * The local EventBridge: the AWSEvents JSON API on the edge (PutEvents, buses, rules, targets, TestEventPattern,
 * archives and replays) and an in-process API for local/cloud.ts. Matching events reach each target through the
 * injected sink, asynchronously and with retries, so PutEvents never waits for a target.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError, jsonErrorResponse, jsonResponse, type EdgeRequest, type EdgeResponse, type ServiceEmulator } from '../edge/types';
import { InputPathInvalidError, parseJsonPath, targetInput, type InputTransformer } from './input-transform';
import { compileEventPattern, EventPatternInvalidError, matchesCompiledPattern, type CompiledEventPattern } from './pattern';
import { scheduleIntervalSeconds, ScheduleExpressionInvalidError } from './schedule';

/** Where matched events go; local/cloud.ts maps target ARNs to SQS, Lambda and Step Functions. */
export interface TargetSink {
  deliver(target: { readonly arn: string; readonly input: string; readonly id: string; readonly ruleArn: string; readonly traceHeader?: string }): Promise<void>;
}

/** A target that still failed after its retries. */
export interface DeliveryFailure {
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly attempts: number;
  readonly error: unknown;
  /** What the target was to receive (after InputPath/InputTransformer), for its dead-letter queue. */
  readonly input: string;
}

export interface LocalEventBridgeOptions {
  readonly sink: TargetSink;
  readonly region?: string;
  readonly account?: string;
  /** Attempts per target delivery (default 3), `retryDelayMs` apart (default 50, doubling). */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly onDeliveryError?: (failure: DeliveryFailure) => void;
  /** Local schedule intervals in seconds by rule name, instead of the expression's own rate (and for cron). */
  readonly scheduleOverrides?: Readonly<Record<string, number>>;
  readonly now?: () => Date;
}

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  readonly EventBusName?: string;
  readonly Time?: Date | number | string;
  readonly TraceHeader?: string;
}

export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly ({ readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string })[];
}

export interface Target {
  readonly Id: string;
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformer;
}

export interface RuleInput {
  readonly Name: string;
  readonly EventBusName?: string;
  readonly EventPattern?: string;
  readonly ScheduleExpression?: string;
  readonly State?: 'ENABLED' | 'DISABLED';
  readonly Description?: string;
}

interface Rule {
  readonly name: string;
  readonly bus: string;
  readonly arn: string;
  eventPattern?: string;
  compiled?: CompiledEventPattern;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  readonly targets: Map<string, Target>;
  timer?: NodeJS.Timeout;
}

interface Archive {
  readonly name: string;
  readonly arn: string;
  readonly sourceBus: string;
  readonly eventPattern?: string;
  readonly compiled?: CompiledEventPattern;
  readonly retentionDays: number;
  readonly description?: string;
  readonly created: Date;
  readonly events: { readonly at: Date; readonly event: Record<string, unknown>; readonly size: number }[];
}

interface Replay {
  readonly name: string;
  readonly arn: string;
  readonly archive: Archive;
  readonly destination: { Arn: string; FilterArns?: string[] };
  readonly start: Date;
  readonly end: Date;
  readonly startedAt: Date;
  state: 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  endedAt?: Date;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const DEFAULT_BUS = 'default';

const invalid = (message: string): never => {
  throw new AwsServiceError('ValidationException', message);
};

const notFound = (message: string): never => {
  throw new AwsServiceError('ResourceNotFoundException', message);
};

const isJsonObject = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};

/** Size of an entry as EventBridge counts it: Time 14 bytes, then Source, DetailType, Detail and Resources in UTF-8. */
/** One header's value (Node joins repeated headers into an array). */
const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export const entrySize = (entry: PutEventsEntry): number =>
  14 +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0);

const toDate = (value: Date | number | string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value;
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
};

const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const epochSeconds = (date: Date): number => date.getTime() / 1000;
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class LocalEventBridge implements ServiceEmulator {
  readonly signingNames = ['events'] as const;
  private readonly region: string;
  private readonly account: string;
  private readonly buses = new Map<string, { name: string; arn: string; description?: string }>();
  private readonly rules = new Map<string, Rule>();
  private readonly archives = new Map<string, Archive>();
  private readonly replays = new Map<string, Replay>();
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

  private requireBus(nameOrArn: string | undefined): string {
    const name = this.busName(nameOrArn);
    if (!this.buses.has(name)) notFound(`Event bus ${name} does not exist.`);
    return name;
  }

  // ---- buses

  createEventBus(name: string, description?: string): string {
    if (!/^[A-Za-z0-9._\-/]{1,256}$/.test(name)) invalid(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) throw new AwsServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
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

  private ruleKey(bus: string, name: string): string {
    return `${bus}\u0000${name}`;
  }

  private requireRule(name: string | undefined, busNameOrArn: string | undefined): Rule {
    if (!name) invalid('Parameter Name is required.');
    const bus = this.requireBus(busNameOrArn);
    const rule = this.rules.get(this.ruleKey(bus, name ?? ''));
    return rule ?? notFound(`Rule ${name} does not exist on EventBus ${bus}.`);
  }

  putRule(input: RuleInput): string {
    if (!input.Name || !/^[.\-_A-Za-z0-9]{1,64}$/.test(input.Name)) invalid(`Rule name ${input.Name ?? ''} is not valid.`);
    if (!input.EventPattern && !input.ScheduleExpression) invalid('Parameter(s) EventPattern or ScheduleExpression must be specified.');
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
    if (input.State && input.State !== 'ENABLED' && input.State !== 'DISABLED') invalid(`State ${String(input.State)} is not valid.`);
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

  private compile(pattern: string): CompiledEventPattern {
    try {
      return compileEventPattern(pattern);
    } catch (error) {
      if (error instanceof EventPatternInvalidError) throw new AwsServiceError('InvalidEventPatternException', error.message);
      throw error;
    }
  }

  putTargets(ruleName: string, busNameOrArn: string | undefined, targets: readonly Target[]): { FailedEntryCount: number; FailedEntries: unknown[] } {
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
    if (target.InputTransformer && typeof target.InputTransformer.InputTemplate !== 'string') return 'InputTemplate is required.';
    return undefined;
  }

  // ---- events

  /**
   * Validates and accepts up to 10 entries; matching rules' targets are called in the background. An entry without
   * its own TraceHeader continues `requestTraceHeader` (the request's X-Amzn-Trace-Id), as AWS does.
   */
  putEvents(entries: readonly PutEventsEntry[], requestTraceHeader?: string): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      invalid(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`);
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
    if (!this.buses.has(bus)) return { ErrorCode: 'NotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    const time = toDate(entry.Time);
    if (time && Number.isNaN(time.getTime())) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
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
          this.options.onDeliveryError?.({ ruleArn: rule.arn, targetId: target.Id, targetArn: target.Arn, attempts: attempt, error, input });
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

  private startSchedule(rule: Rule): void {
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

  private stopSchedule(rule: Rule): void {
    if (rule.timer) clearInterval(rule.timer);
    rule.timer = undefined;
  }

  // ---- archives and replays

  private archiveArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:archive/${name}`;
  }

  createArchive(input: { ArchiveName?: string; EventSourceArn?: string; EventPattern?: string; RetentionDays?: number; Description?: string }): Archive {
    const name = input.ArchiveName ?? invalid('Parameter ArchiveName is required.');
    if (this.archives.has(name)) throw new AwsServiceError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
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

  private requireArchive(nameOrArn: string | undefined): Archive {
    const name = (nameOrArn ?? '').replace(/^arn:aws:events:[^:]*:[^:]*:archive\//, '');
    return this.archives.get(name) ?? notFound(`Archive ${name} does not exist.`);
  }

  private describeArchive(archive: Archive): Record<string, unknown> {
    return {
      ArchiveArn: archive.arn,
      ArchiveName: archive.name,
      EventSourceArn: this.busArn(archive.sourceBus),
      EventPattern: archive.eventPattern,
      Description: archive.description,
      State: 'ENABLED',
      RetentionDays: archive.retentionDays,
      SizeBytes: archive.events.reduce((sum, item) => sum + item.size, 0),
      EventCount: archive.events.length,
      CreationTime: epochSeconds(archive.created),
    };
  }

  /** Replays the archived events in [start, end) to the destination bus's rules (or only the FilterArns rules). */
  startReplay(input: { ReplayName?: string; EventSourceArn?: string; EventStartTime?: number; EventEndTime?: number; Destination?: { Arn?: string; FilterArns?: string[] } }): Replay {
    const name = input.ReplayName ?? invalid('Parameter ReplayName is required.');
    if (this.replays.has(name)) throw new AwsServiceError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = this.requireArchive(input.EventSourceArn);
    if (input.EventStartTime === undefined || input.EventEndTime === undefined) invalid('Parameters EventStartTime and EventEndTime are required.');
    const start = new Date((input.EventStartTime ?? 0) * 1000);
    const end = new Date((input.EventEndTime ?? 0) * 1000);
    if (start >= end) invalid('Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.');
    const destinationBus = this.requireBus(input.Destination?.Arn ?? invalid('Parameter Destination is required.'));
    if (destinationBus !== archive.sourceBus) invalid('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
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
      for (const item of selected) this.route(destinationBus, { ...item.event, 'replay-name': name }, undefined, replay.destination.FilterArns);
      replay.state = 'COMPLETED';
      replay.endedAt = this.now();
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return replay;
  }

  private describeReplay(replay: Replay): Record<string, unknown> {
    return {
      ReplayName: replay.name,
      ReplayArn: replay.arn,
      State: replay.state,
      EventSourceArn: replay.archive.arn,
      Destination: replay.destination,
      EventStartTime: epochSeconds(replay.start),
      EventEndTime: epochSeconds(replay.end),
      ReplayStartTime: epochSeconds(replay.startedAt),
      ReplayEndTime: replay.endedAt ? epochSeconds(replay.endedAt) : undefined,
    };
  }

  // ---- the JSON API

  private describeRule(rule: Rule): Record<string, unknown> {
    return {
      Name: rule.name,
      Arn: rule.arn,
      EventPattern: rule.eventPattern,
      ScheduleExpression: rule.scheduleExpression,
      State: rule.state,
      Description: rule.description,
      EventBusName: rule.bus,
    };
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    try {
      return jsonResponse(this.perform(request.action ?? '', parseBody(request.body), headerValue(request.headers['x-amzn-trace-id'])));
    } catch (error) {
      if (error instanceof AwsServiceError) return jsonErrorResponse(error);
      throw error;
    }
  }

  private perform(action: string, body: Record<string, any>, requestTraceHeader?: string): unknown {
    switch (action) {
      case 'PutEvents':
        return this.putEvents(body.Entries as PutEventsEntry[], requestTraceHeader);
      case 'CreateEventBus':
        return { EventBusArn: this.createEventBus(body.Name as string, body.Description as string | undefined) };
      case 'DescribeEventBus': {
        const bus = this.buses.get(this.requireBus(body.Name as string | undefined));
        return { Name: bus?.name, Arn: bus?.arn, Description: bus?.description };
      }
      case 'ListEventBuses':
        return { EventBuses: [...this.buses.values()].filter((bus) => bus.name.startsWith(body.NamePrefix ?? '')).map((bus) => ({ Name: bus.name, Arn: bus.arn, Description: bus.description })) };
      case 'DeleteEventBus':
        this.deleteEventBus(body.Name as string);
        return {};
      case 'PutRule':
        return { RuleArn: this.putRule(body as RuleInput) };
      case 'DescribeRule':
        return this.describeRule(this.requireRule(body.Name, body.EventBusName));
      case 'ListRules': {
        const bus = this.requireBus(body.EventBusName);
        return { Rules: [...this.rules.values()].filter((rule) => rule.bus === bus && rule.name.startsWith(body.NamePrefix ?? '')).map((rule) => this.describeRule(rule)) };
      }
      case 'DeleteRule': {
        const rule = this.requireRule(body.Name, body.EventBusName);
        if (rule.targets.size > 0 && !body.Force) invalid("Rule can't be deleted since it has targets.");
        this.stopSchedule(rule);
        this.rules.delete(this.ruleKey(rule.bus, rule.name));
        return {};
      }
      case 'EnableRule':
      case 'DisableRule': {
        const rule = this.requireRule(body.Name, body.EventBusName);
        rule.state = action === 'EnableRule' ? 'ENABLED' : 'DISABLED';
        this.startSchedule(rule);
        return {};
      }
      case 'PutTargets':
        return this.putTargets(body.Rule, body.EventBusName, (body.Targets ?? []) as Target[]);
      case 'RemoveTargets': {
        const rule = this.requireRule(body.Rule, body.EventBusName);
        for (const id of (body.Ids ?? []) as string[]) rule.targets.delete(id);
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'ListTargetsByRule':
        return { Targets: [...this.requireRule(body.Rule, body.EventBusName).targets.values()] };
      case 'TestEventPattern': {
        const compiled = this.compile((body.EventPattern as string | undefined) ?? invalid('Parameter EventPattern is required.'));
        const event = typeof body.Event === 'string' && isJsonObject(body.Event) ? (JSON.parse(body.Event) as unknown) : invalid('Parameter Event is not valid.');
        return { Result: matchesCompiledPattern(compiled, event) };
      }
      case 'CreateArchive': {
        const archive = this.createArchive(body);
        return { ArchiveArn: archive.arn, State: 'ENABLED', CreationTime: epochSeconds(archive.created) };
      }
      case 'DescribeArchive':
        return this.describeArchive(this.requireArchive(body.ArchiveName));
      case 'ListArchives':
        return { Archives: [...this.archives.values()].filter((archive) => archive.name.startsWith(body.NamePrefix ?? '')).map((archive) => this.describeArchive(archive)) };
      case 'StartReplay': {
        const replay = this.startReplay(body);
        return { ReplayArn: replay.arn, State: replay.state, ReplayStartTime: epochSeconds(replay.startedAt) };
      }
      case 'DescribeReplay': {
        const replay = this.replays.get(body.ReplayName) ?? notFound(`Replay ${String(body.ReplayName)} does not exist.`);
        return this.describeReplay(replay);
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `The local EventBridge does not support the action '${action}'.`);
    }
  }
}

const isJsonObjectOrValue = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const parseBody = (body: Buffer): Record<string, any> => {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, any>;
  } catch (error) {
    throw new AwsServiceError('SerializationException', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.');
};
