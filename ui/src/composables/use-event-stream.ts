import { getCurrentScope, onScopeDispose, ref, watch, type Ref } from 'vue';

export type StreamState = 'connecting' | 'live' | 'unavailable';

/** The subset of EventSource the dashboard uses, so tests can hand in their own. */
export interface EventSourceLike {
  readyState: number;
  onopen: ((this: EventSourceLike, ev: Event) => unknown) | null;
  onerror: ((this: EventSourceLike, ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

const defaultFactory: EventSourceFactory | undefined =
  typeof EventSource === 'undefined' ? undefined : (url) => new EventSource(url) as unknown as EventSourceLike;

let factoryOverride: EventSourceFactory | undefined;
/** For tests: the EventSource implementation `useEventStream` creates. */
export const setEventSourceFactory = (factory: EventSourceFactory | undefined): void => {
  factoryOverride = factory;
};

const CLOSED = 2;

/**
 * Subscribes to the API's server-sent events (GET /api/stream?access_token=...; no URL without a session). `handlers` maps SSE event names (`order`,
 * `event`) to a callback that receives the parsed JSON. A stream the API does not offer yet ends in `unavailable`
 * without retry storms or console noise; a dropped live stream reconnects (EventSource does this itself).
 * Given a getter for the URL, the stream is opened again when the URL changes: a renewed session carries a new
 * token, and the stream opened with the old one was refused.
 */
export const useEventStream = (
  url: string | undefined | (() => string | undefined),
  handlers: Record<string, (payload: unknown) => void>,
): { state: Ref<StreamState>; close: () => void } => {
  const state = ref<StreamState>('connecting');
  const factory = factoryOverride ?? defaultFactory;
  let source: EventSourceLike | undefined;

  const open = (target: string | undefined): void => {
    source?.close();
    source = undefined;
    if (!factory || !target) {
      state.value = 'unavailable';
      return;
    }
    state.value = 'connecting';
    const current = factory(target);
    source = current;
    current.onopen = () => {
      state.value = 'live';
    };
    current.onerror = () => {
      if (current.readyState === CLOSED) state.value = 'unavailable';
      else state.value = 'connecting';
    };
    for (const [name, handle] of Object.entries(handlers)) {
      current.addEventListener(name, (event: MessageEvent) => {
        state.value = 'live';
        let payload: unknown;
        try {
          payload = JSON.parse(String(event.data));
        } catch {
          return;
        }
        handle(payload);
      });
    }
  };

  const close = (): void => {
    source?.close();
  };
  if (typeof url === 'function') {
    const stop = watch(url, (next) => open(next), { immediate: true });
    if (getCurrentScope()) onScopeDispose(stop);
  } else open(url);
  if (getCurrentScope()) onScopeDispose(close);
  return { state, close };
};
