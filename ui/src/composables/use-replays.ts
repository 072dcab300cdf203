/**
 * Replays of the bus's archive for the Operations page (POST/GET /api/admin/replays, api/routes/admin-replays.ts):
 * the targets a replay can be aimed at (every rule feeding a consumer, from /asyncapi.json), the replays so far, and
 * the progress of the one being watched — read again every few seconds while it, or any listed replay, still runs,
 * and not at all once they have ended (or while the tab is hidden: usePolling).
 */
import { ref, type Ref } from 'vue';
import { ApiRequestError } from '../services/api';
import { replayTargets } from '../services/event-catalog';
import type { Replay, ReplayRequest } from '../services/types';
import { useApi } from './use-api';
import { usePolling } from './use-polling';
import { useResource } from './use-resource';

/** States after which a replay changes no more. */
export const FINISHED_REPLAY_STATES: readonly string[] = ['COMPLETED', 'CANCELLED', 'FAILED'];
export const isReplayFinished = (replay: Pick<Replay, 'state'>): boolean =>
  FINISHED_REPLAY_STATES.includes(replay.state);

/** How often a running replay's progress is read again. */
export const REPLAY_REFRESH_MS = 2000;

export const useReplays = (refreshMs = REPLAY_REFRESH_MS) => {
  const api = useApi();
  const targets = useResource(async () => replayTargets(await api.eventCatalog()));
  const replays = useResource(() => api.listReplays());
  const watched: Ref<Replay | undefined> = ref();
  const starting = ref(false);
  /** Why the last start was refused (the API's message: a window in the future, a whole-bus replay too old...). */
  const refusal = ref<string | undefined>();

  const watch = async (name: string): Promise<void> => {
    watched.value = await api.getReplay(name);
  };

  const start = async (request: ReplayRequest): Promise<boolean> => {
    starting.value = true;
    refusal.value = undefined;
    try {
      watched.value = await api.startReplay(request);
      await replays.reload();
      return true;
    } catch (cause) {
      refusal.value =
        cause instanceof ApiRequestError || cause instanceof Error ? cause.message : 'The replay could not start.';
      return false;
    } finally {
      starting.value = false;
    }
  };

  usePolling(async () => {
    const current = watched.value;
    if (current !== undefined && !isReplayFinished(current)) {
      try {
        watched.value = await api.getReplay(current.name);
      } catch {
        // Keep the last progress shown; the next tick reads it again.
      }
    }
    if ((replays.data.value?.items ?? []).some((replay) => !isReplayFinished(replay))) await replays.reload();
  }, refreshMs);

  return { targets, replays, watched, starting, refusal, start, watch };
};
