import { createApiClient, type ApiClient } from '../services/api';
import { useAuthStore } from '../stores/auth';

let shared: ApiClient | undefined;

/** The app-wide API client, carrying the signed-in caller's identity headers. */
export const useApi = (): ApiClient => {
  if (!shared) {
    const auth = useAuthStore();
    shared = createApiClient({ headers: () => auth.headers() });
  }
  return shared;
};

/** For tests: replace the shared client. */
export const provideApi = (client: ApiClient | undefined): void => {
  shared = client;
};
