/**
 * The AWSEvents JSON protocol of the local EventBridge: actions parsed from the request body, answered in the
 * shapes the SDK expects, errors as AWS's JSON error bodies. The semantics are the engine's (engine.ts).
 */
import { AwsServiceError, jsonErrorResponse, jsonResponse, type EdgeRequest, type EdgeResponse } from '../edge/types';
import type { EventBridgeEngine } from './engine';
import { matchesCompiledPattern } from './pattern';
import {
  epochSeconds,
  headerValue,
  invalid,
  isJsonObject,
  notFound,
  type Archive,
  type PutEventsEntry,
  type Replay,
  type Rule,
  type RuleInput,
  type Target,
} from './model';

const describeArchive = (engine: EventBridgeEngine, archive: Archive): Record<string, unknown> => {
  return {
    ArchiveArn: archive.arn,
    ArchiveName: archive.name,
    EventSourceArn: engine.busArn(archive.sourceBus),
    EventPattern: archive.eventPattern,
    Description: archive.description,
    State: 'ENABLED',
    RetentionDays: archive.retentionDays,
    SizeBytes: archive.events.reduce((sum, item) => sum + item.size, 0),
    EventCount: archive.events.length,
    CreationTime: epochSeconds(archive.created),
  };
};

const describeReplay = (replay: Replay): Record<string, unknown> => {
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
    EventLastReplayedTime: replay.lastReplayed ? epochSeconds(replay.lastReplayed) : undefined,
  };
};

const describeRule = (rule: Rule): Record<string, unknown> => {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    ScheduleExpression: rule.scheduleExpression,
    State: rule.state,
    Description: rule.description,
    EventBusName: rule.bus,
  };
};

/** The AWSEvents JSON API (X-Amz-Target `AWSEvents.<Action>`) over an EventBridgeEngine. */
export const handleEventBridgeRequest = async (
  engine: EventBridgeEngine,
  request: EdgeRequest,
): Promise<EdgeResponse> => {
  try {
    return jsonResponse(
      perform(engine, request.action ?? '', parseBody(request.body), headerValue(request.headers['x-amzn-trace-id'])),
    );
  } catch (error) {
    if (error instanceof AwsServiceError) return jsonErrorResponse(error);
    throw error;
  }
};

/**
 * The request fields the actions read, as the AWS SDK sends them. The body is parsed JSON, so this states what a
 * client sends rather than checking it: the engine validates what each action requires.
 */
type RequestBody = Parameters<EventBridgeEngine['createArchive']>[0] &
  Parameters<EventBridgeEngine['startReplay']>[0] & {
    Entries?: PutEventsEntry[];
    Name?: string;
    Description?: string;
    NamePrefix?: string;
    EventBusName?: string;
    Force?: boolean;
    Rule?: string;
    Targets?: Target[];
    Ids?: string[];
    EventPattern?: string;
    Event?: unknown;
    State?: string;
    Limit?: number;
  };

const perform = (
  engine: EventBridgeEngine,
  action: string,
  body: RequestBody,
  requestTraceHeader?: string,
): unknown => {
  switch (action) {
    case 'PutEvents':
      return engine.putEvents(body.Entries as PutEventsEntry[], requestTraceHeader);
    case 'CreateEventBus':
      return { EventBusArn: engine.createEventBus(body.Name as string, body.Description as string | undefined) };
    case 'DescribeEventBus': {
      const bus = engine.buses.get(engine.requireBus(body.Name as string | undefined));
      return { Name: bus?.name, Arn: bus?.arn, Description: bus?.description };
    }
    case 'ListEventBuses':
      return {
        EventBuses: [...engine.buses.values()]
          .filter((bus) => bus.name.startsWith(body.NamePrefix ?? ''))
          .map((bus) => ({ Name: bus.name, Arn: bus.arn, Description: bus.description })),
      };
    case 'DeleteEventBus':
      engine.deleteEventBus(body.Name as string);
      return {};
    case 'PutRule':
      return { RuleArn: engine.putRule(body as RuleInput) };
    case 'DescribeRule':
      return describeRule(engine.requireRule(body.Name, body.EventBusName));
    case 'ListRules': {
      const bus = engine.requireBus(body.EventBusName);
      return {
        Rules: [...engine.rules.values()]
          .filter((rule) => rule.bus === bus && rule.name.startsWith(body.NamePrefix ?? ''))
          .map((rule) => describeRule(rule)),
      };
    }
    case 'DeleteRule': {
      const rule = engine.requireRule(body.Name, body.EventBusName);
      if (rule.targets.size > 0 && !body.Force) invalid("Rule can't be deleted since it has targets.");
      engine.stopSchedule(rule);
      engine.rules.delete(engine.ruleKey(rule.bus, rule.name));
      return {};
    }
    case 'EnableRule':
    case 'DisableRule': {
      const rule = engine.requireRule(body.Name, body.EventBusName);
      rule.state = action === 'EnableRule' ? 'ENABLED' : 'DISABLED';
      engine.startSchedule(rule);
      return {};
    }
    case 'PutTargets':
      return engine.putTargets(body.Rule as string, body.EventBusName, (body.Targets ?? []) as Target[]);
    case 'RemoveTargets': {
      const rule = engine.requireRule(body.Rule, body.EventBusName);
      for (const id of (body.Ids ?? []) as string[]) rule.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    }
    case 'ListTargetsByRule':
      return { Targets: [...engine.requireRule(body.Rule, body.EventBusName).targets.values()] };
    case 'TestEventPattern': {
      const compiled = engine.compile(
        (body.EventPattern as string | undefined) ?? invalid('Parameter EventPattern is required.'),
      );
      const event =
        typeof body.Event === 'string' && isJsonObject(body.Event)
          ? (JSON.parse(body.Event) as unknown)
          : invalid('Parameter Event is not valid.');
      return { Result: matchesCompiledPattern(compiled, event) };
    }
    case 'CreateArchive': {
      const archive = engine.createArchive(body);
      return { ArchiveArn: archive.arn, State: 'ENABLED', CreationTime: epochSeconds(archive.created) };
    }
    case 'DescribeArchive':
      return describeArchive(engine, engine.requireArchive(body.ArchiveName));
    case 'ListArchives':
      return {
        Archives: [...engine.archives.values()]
          .filter((archive) => archive.name.startsWith(body.NamePrefix ?? ''))
          .map((archive) => describeArchive(engine, archive)),
      };
    case 'StartReplay': {
      const replay = engine.startReplay(body);
      return { ReplayArn: replay.arn, State: replay.state, ReplayStartTime: epochSeconds(replay.startedAt) };
    }
    case 'DescribeReplay': {
      const replay =
        engine.replays.get(body.ReplayName as string) ?? notFound(`Replay ${String(body.ReplayName)} does not exist.`);
      return describeReplay(replay);
    }
    case 'ListReplays': {
      // AWS lists a replay without its Destination; the other fields are DescribeReplay's.
      const listed = [...engine.replays.values()]
        .filter((replay) => replay.name.startsWith((body.NamePrefix as string | undefined) ?? ''))
        .filter((replay) => body.EventSourceArn === undefined || replay.archive.arn === body.EventSourceArn)
        .filter((replay) => body.State === undefined || replay.state === body.State)
        .slice(0, typeof body.Limit === 'number' ? body.Limit : 100);
      return {
        Replays: listed.map((replay) => {
          const { Destination: _destination, ReplayArn: _arn, ...listedFields } = describeReplay(replay);
          return listedFields;
        }),
      };
    }
    default:
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local EventBridge does not support the action '${action}'.`,
      );
  }
};

const parseBody = (body: Buffer): RequestBody => {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as RequestBody;
  } catch (error) {
    throw new AwsServiceError(
      'SerializationException',
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.');
};
