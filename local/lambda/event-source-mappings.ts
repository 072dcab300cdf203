/**
 * The event source mappings a LocalLambda is running, as the Lambda API describes them
 * (ListEventSourceMappings, GetEventSourceMapping). `startSqsEventSource` adds a mapping when it starts and removes
 * it when it stops; `LocalLambda.stop()` empties the registry.
 */

/** One running mapping, with the settings in force (defaults applied). */
export interface EventSourceMappingRecord {
  readonly uuid: string;
  readonly eventSourceArn: string;
  readonly functionArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly lastModified: Date;
}

/** A UUID that names no running mapping. */
export class EventSourceMappingNotFoundError extends Error {
  constructor(readonly uuid: string) {
    super(`The resource you requested does not exist. (Event source mapping ${uuid})`);
    this.name = 'EventSourceMappingNotFoundError';
  }
}

/** A second mapping with the UUID of a running one. */
export class EventSourceMappingDuplicateError extends Error {
  constructor(readonly uuid: string) {
    super(`An event source mapping with UUID ${uuid} is already registered`);
    this.name = 'EventSourceMappingDuplicateError';
  }
}

export interface EventSourceMappingFilter {
  /** A full function ARN (unqualified). */
  readonly functionArn?: string;
  readonly eventSourceArn?: string;
}

export class EventSourceMappingRegistry {
  private readonly mappings = new Map<string, EventSourceMappingRecord>();

  /** Records a running mapping; answers the function that removes it again (harmless to call twice). */
  add(record: EventSourceMappingRecord): () => void {
    if (this.mappings.has(record.uuid)) throw new EventSourceMappingDuplicateError(record.uuid);
    const kept = { ...record };
    this.mappings.set(record.uuid, kept);
    return () => {
      if (this.mappings.get(record.uuid) === kept) this.mappings.delete(record.uuid);
    };
  }

  /** The mapping with this UUID; throws EventSourceMappingNotFoundError for an unknown one. */
  get(uuid: string): EventSourceMappingRecord {
    const found = this.mappings.get(uuid);
    if (!found) throw new EventSourceMappingNotFoundError(uuid);
    return found;
  }

  /** The running mappings matching every given filter, ordered by UUID so that listings are stable. */
  list(filter: EventSourceMappingFilter = {}): EventSourceMappingRecord[] {
    return [...this.mappings.values()]
      .filter(
        (m) =>
          (filter.functionArn === undefined || m.functionArn === filter.functionArn) &&
          (filter.eventSourceArn === undefined || m.eventSourceArn === filter.eventSourceArn),
      )
      .sort((a, b) => a.uuid.localeCompare(b.uuid));
  }

  clear(): void {
    this.mappings.clear();
  }
}
