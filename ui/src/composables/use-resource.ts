import { ref, shallowRef, type Ref } from 'vue';
import { ApiNetworkError, ApiRequestError } from '../services/api';

export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  /** A person-readable error, when the last load failed for a reason other than "not there". */
  error: Ref<string | undefined>;
  /** The endpoint does not exist (yet) or the API is not reachable: show an empty/unavailable state. */
  unavailable: Ref<boolean>;
  reload: () => Promise<void>;
}

/** Loads one thing from the API and keeps the three states a page shows: loading, unavailable, error. */
export const useResource = <T>(loader: () => Promise<T>, options: { immediate?: boolean } = {}): Resource<T> => {
  const data = shallowRef<T | undefined>(undefined) as Ref<T | undefined>;
  const loading = ref(false);
  const error = ref<string | undefined>(undefined);
  const unavailable = ref(false);

  const reload = async (): Promise<void> => {
    loading.value = true;
    try {
      data.value = await loader();
      error.value = undefined;
      unavailable.value = false;
    } catch (cause) {
      if ((cause instanceof ApiRequestError && cause.unavailable) || cause instanceof ApiNetworkError) {
        unavailable.value = true;
        error.value = undefined;
      } else {
        error.value = cause instanceof Error ? cause.message : 'Something went wrong.';
      }
    } finally {
      loading.value = false;
    }
  };

  if (options.immediate !== false) void reload();
  return { data, loading, error, unavailable, reload };
};
