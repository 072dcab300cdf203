import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authHeaders, loadAuthConfig, signInWithCognito, signInWithHeader, type AuthMode, type Session } from '../services/auth';
import type { AuthConfig } from '../services/types';

const STORAGE_KEY = 'order-platform.session';

const readStored = (): Session | null => {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (session.expiresAt && session.expiresAt < Date.now()) return null;
    return session;
  } catch {
    return null;
  }
};

/** The signed-in caller. The API client reads `headers()` on every request. */
export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(readStored());
  const config = ref<AuthConfig | null | undefined>(undefined);

  const signedIn = computed(() => session.value !== null);
  const isAdmin = computed(() => session.value?.isAdmin ?? false);
  const mode = computed<AuthMode>(() => (config.value ? 'cognito' : 'header'));

  const resolveConfig = async (): Promise<AuthConfig | null> => {
    if (config.value === undefined) config.value = await loadAuthConfig();
    return config.value;
  };

  const signIn = async (username: string, password: string): Promise<void> => {
    const found = await resolveConfig();
    const next = found ? await signInWithCognito(found, username, password) : signInWithHeader(username.trim());
    session.value = next;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  };

  const signOut = (): void => {
    session.value = null;
    sessionStorage.removeItem(STORAGE_KEY);
  };

  const headers = (): Record<string, string> => authHeaders(session.value);

  return { session, config, signedIn, isAdmin, mode, resolveConfig, signIn, signOut, headers };
});
