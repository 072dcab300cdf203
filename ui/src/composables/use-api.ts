import { computed, type ComputedRef } from 'vue';
import { createApiClient, createLocalClient, type ApiClient, type LocalClient } from '../services/api';
import { useAuthStore } from '../stores/auth';

let shared: ApiClient | undefined;
let localOverride: LocalClient | undefined;

/** The app-wide API client, carrying the signed-in caller's token. */
export const useApi = (): ApiClient => {
  if (!shared) {
    const auth = useAuthStore();
    shared = createApiClient({ headers: () => auth.headers(), onSessionRejected: () => auth.recover() });
  }
  return shared;
};

/** The local control plane client, or undefined outside local mode (no `localControlPlane` in /config.json). */
export const useLocalControlPlane = (): ComputedRef<LocalClient | undefined> => {
  const auth = useAuthStore();
  return computed(
    () => localOverride ?? (auth.localControlPlane ? createLocalClient(auth.localControlPlane) : undefined),
  );
};

/** For tests: replace the shared clients. */
export const provideApi = (client: ApiClient | undefined, local?: LocalClient): void => {
  shared = client;
  localOverride = local;
};
