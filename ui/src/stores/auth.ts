import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authHeaders, loadClientConfig, signInWithCognito, streamUrl, type Session } from '../services/auth';
import type { ClientConfig } from '../services/types';

const STORAGE_KEY = 'order-platform.session';

const readStored = (): Session | null => {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (typeof session.idToken !== 'string' || typeof session.expiresAt !== 'number' || session.expiresAt < Date.now()) return null;
    return session as Session;
  } catch {
    return null;
  }
};

/** The signed-in caller and the client settings of /config.json. The API client reads `headers()` on every request. */
export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(readStored());
  const config = ref<ClientConfig | undefined>(undefined);

  const signedIn = computed(() => session.value !== null);
  const isAdmin = computed(() => session.value?.isAdmin ?? false);
  /** The local cloud's control plane, only in local mode. */
  const localControlPlane = computed(() => config.value?.localControlPlane);
  const stream = computed(() => streamUrl(session.value));

  const resolveConfig = async (): Promise<ClientConfig> => {
    if (config.value === undefined) config.value = await loadClientConfig();
    return config.value;
  };

  const signIn = async (username: string, password: string): Promise<void> => {
    const next = await signInWithCognito(await resolveConfig(), username, password);
    session.value = next;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  };

  const signOut = (): void => {
    session.value = null;
    sessionStorage.removeItem(STORAGE_KEY);
  };

  const headers = (): Record<string, string> => authHeaders(session.value);

  return { session, config, signedIn, isAdmin, localControlPlane, stream, resolveConfig, signIn, signOut, headers };
});
