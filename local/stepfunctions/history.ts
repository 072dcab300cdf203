/**
 * Execution history in AWS's terms: the library's event stream and the task invocations become AWS's history event
 * names, in the order AWS writes them.
 */
import { type HistoryEvent, STATE_EVENT_PREFIX } from './model';

export type LibraryEvent = {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string; type: string };
};

/**
 * Turns the library's event stream and the task invocations into AWS's history event names. Task events are held per
 * state until the library reports the state exited or failed, so they land between TaskStateEntered and what follows
 * whatever order the two streams arrive in.
 */
export class HistoryRecorder {
  private readonly pending = new Map<string, { type: string; details: Record<string, unknown>; timestamp: number }[]>();
  private readonly open = new Map<string, { closed: boolean }>();

  constructor(private readonly events: HistoryEvent[]) {}

  add(type: string, details: Record<string, unknown>, timestamp = Date.now()): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp, type, ...details });
  }

  /** One invocation attempt of a Task state; events recorded after the library gave up on it (timeout) are dropped. */
  beginTask(stateName: string): { record(type: string, details: Record<string, unknown>): void } {
    const token = { closed: false };
    this.open.set(stateName, token);
    return {
      record: (type, details) => {
        if (token.closed) return;
        const list = this.pending.get(stateName) ?? [];
        list.push({ type, details, timestamp: Date.now() });
        this.pending.set(stateName, list);
      },
    };
  }

  private flush(stateName: string, failure?: { Error?: string; Cause?: unknown }): void {
    const token = this.open.get(stateName);
    const list = this.pending.get(stateName) ?? [];
    const finished = list.some((event) => /(Succeeded|Failed)$/.test(event.type));
    for (const event of list) this.add(event.type, event.details, event.timestamp);
    if (failure?.Error === 'States.Timeout' && list.length > 0 && !finished) {
      const integrated = list[0]?.type === 'TaskScheduled';
      this.add(
        integrated ? 'TaskTimedOut' : 'LambdaFunctionTimedOut',
        integrated
          ? { taskTimedOutEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' } }
          : { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' } },
      );
    }
    if (token) token.closed = true;
    this.pending.delete(stateName);
  }

  fromLibrary(event: LibraryEvent): void {
    const state = event.state;
    const prefix = state ? (STATE_EVENT_PREFIX[state.type] ?? state.type) : '';
    switch (event.type) {
      case 'ExecutionStarted':
        this.add(
          'ExecutionStarted',
          { executionStartedEventDetails: { input: JSON.stringify(event.input), inputDetails: { truncated: false } } },
          event.timestamp,
        );
        return;
      case 'StateEntered':
        if (state)
          this.add(
            `${prefix}StateEntered`,
            {
              stateEnteredEventDetails: {
                name: state.name,
                input: JSON.stringify(state.input),
                inputDetails: { truncated: false },
              },
            },
            event.timestamp,
          );
        return;
      case 'StateExited':
        if (!state) return;
        this.flush(state.name);
        this.add(
          `${prefix}StateExited`,
          {
            stateExitedEventDetails: {
              name: state.name,
              output: JSON.stringify(state.output ?? null),
              outputDetails: { truncated: false },
            },
          },
          event.timestamp,
        );
        return;
      case 'StateFailed':
        if (state) this.flush(state.name, event);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        if (event.parentState)
          this.add(
            event.type,
            {
              [`${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`]: {
                name: event.parentState.name,
                index: event.index,
              },
            },
            event.timestamp,
          );
        return;
      default:
        // Execution outcomes are recorded from the result (with the stop request's error and cause); the library's
        // StateRetried/StateCaught and Parallel branch events have no AWS history counterpart.
        return;
    }
  }
}
