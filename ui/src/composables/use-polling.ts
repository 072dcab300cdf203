/**
 * Runs a refresh on an interval while the page is mounted and the tab is visible: a hidden tab polls nothing, and
 * coming back refreshes at once. The timer and the listener go when the component unmounts.
 */
import { getCurrentInstance, onBeforeUnmount, onMounted } from 'vue';

export interface Polling {
  /** Stops polling for good (also done on unmount). */
  stop: () => void;
}

export const usePolling = (refresh: () => unknown, intervalMs: number): Polling => {
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const pause = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const resume = (): void => {
    if (stopped || timer !== undefined) return;
    timer = setInterval(() => void refresh(), intervalMs);
  };
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') pause();
    else if (!stopped && timer === undefined) {
      void refresh();
      resume();
    }
  };
  const stop = (): void => {
    stopped = true;
    pause();
    document.removeEventListener('visibilitychange', onVisibility);
  };

  const start = (): void => {
    document.addEventListener('visibilitychange', onVisibility);
    if (document.visibilityState !== 'hidden') resume();
  };
  if (getCurrentInstance()) {
    onMounted(start);
    onBeforeUnmount(stop);
  } else start();
  return { stop };
};
