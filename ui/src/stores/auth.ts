import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  authHeaders,
  loadClientConfig,
  refreshCognitoSession,
  signInWithCognito,
  streamUrl,
  type Session,
} from '../services/auth';
import type { ClientConfig } from '../services/types';

const STORAGE_KEY = 'order-platform.session';

const readStored = (): Session | null => {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (typeof session.idToken !== 'string' || typeof session.expiresAt !== 'number') return null;
    // An expired token is still worth keeping when a refresh token can renew it on the first 401.
    if (session.expiresAt < Date.now() && typeof session.refreshToken !== 'string') return null;
    return session as Session;
  } catch {
    return null;
  }
};

/** Shown on the sign-in page after the API refused the session and it could not be renewed. */
export const SESSION_ENDED_MESSAGE = 'Your session has ended (it expired or the platform restarted): sign in again.';

/**
 * The signed-in caller and the client settings of /config.json. The API client reads `headers()` on every request
 * and calls `recover()` when the API refuses the token, so no page handles an expired session on its own.
 */
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

  /** Why the last session ended without the user signing out; the sign-in page shows it. */
  const endedReason = ref<string | undefined>(undefined);

  const store = (next: Session): void => {
    session.value = next;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  };

  const signIn = async (username: string, password: string): Promise<void> => {
    store(await signInWithCognito(await resolveConfig(), username, password));
    endedReason.value = undefined;
  };

  const signOut = (): void => {
    session.value = null;
    sessionStorage.removeItem(STORAGE_KEY);
  };

  let recovering: Promise<boolean> | undefined;
  /**
   * The API refused the token: renew it with the refresh token (true), else end the session (false) so the app
   * returns to sign-in. Panels that fail at the same moment share one refresh.
   */
  const recover = (): Promise<boolean> => {
    recovering ??= (async () => {
      const current = session.value;
      if (current === null) return false;
      try {
        store(await refreshCognitoSession(await resolveConfig(), current));
        return true;
      } catch {
        signOut();
        endedReason.value = SESSION_ENDED_MESSAGE;
        return false;
      }
    })().finally(() => {
      recovering = undefined;
    });
    return recovering;
  };

  const headers = (): Record<string, string> => authHeaders(session.value);

  return {
    session,
    config,
    signedIn,
    isAdmin,
    localControlPlane,
    stream,
    endedReason,
    resolveConfig,
    signIn,
    signOut,
    recover,
    headers,
  };
});
