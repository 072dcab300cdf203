import type { z } from 'zod';
import { toViolations } from '../../core/domain/schemas';
import { ApiError } from '../errors';

/** Parses with a zod schema; a failure is a 400 listing every violation. */
export const parseOr400 = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ApiError(400, 'VALIDATION_FAILED', `the ${what} is invalid`, toViolations(parsed.error));
  return parsed.data;
};
