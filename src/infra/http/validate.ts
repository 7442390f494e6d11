import type { z } from 'zod';
import { ValidationError } from '../errors/app-error';

/**
 * Parses untrusted input with a schema; failure is a 400 whose details list each
 * problem by path. Schemas at the edge are strict, so unknown fields (including `$`
 * operators smuggled in as keys) are refused rather than passed on.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, where: 'body' | 'query' | 'params'): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({
      in: where,
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new ValidationError(`Invalid request ${where}`, details);
  }
  return result.data;
}
