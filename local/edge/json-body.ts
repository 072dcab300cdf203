/**
 * A request body read as a JSON object once, however many parts of the edge look into it: IAM (the table or queue a
 * call names) and the DynamoDB proxy (whether it asked for its consumed capacity) read the same Buffer. Kept per
 * Buffer (weakly), so it lives as long as the request.
 */
const parsed = new WeakMap<Buffer, Readonly<Record<string, unknown>> | null>();

/**
 * The body as a JSON object, or undefined when it is empty, not JSON or not an object. The answer is shared: callers
 * read it and never change it.
 */
export const jsonObjectOf = (body: Buffer): Readonly<Record<string, unknown>> | undefined => {
  const known = parsed.get(body);
  if (known !== undefined) return known ?? undefined;
  let object: Record<string, unknown> | null = null;
  if (body.length > 0) {
    try {
      const value: unknown = JSON.parse(body.toString('utf8'));
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        object = value as Record<string, unknown>;
    } catch {
      object = null;
    }
  }
  parsed.set(body, object);
  return object ?? undefined;
};
