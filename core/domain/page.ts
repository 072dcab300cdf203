/**
 * One shape for every paged list (orders, products, events), so the API pages them all alike and the cursor stays
 * opaque to everyone but the adapter that issued it.
 */

export interface PageRequest {
  readonly limit?: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}
