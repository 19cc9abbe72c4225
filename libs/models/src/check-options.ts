import type { z } from 'zod';

/** Throws unless `value` is an integer >= `min`; `field` is the option's full name. */
export function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${field} must be an integer >= ${min}, got ${value}.`);
  }
}

/**
 * Parses options with a component's schema, throwing one error that names
 * every offending field as `<Owner>.<field>` (unknown keys included, so a
 * typo fails at start-up instead of being ignored).
 */
export function parseOptions<T>(owner: string, schema: z.ZodType<T>, options: unknown): T {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = [owner, ...issue.path.map(String)].join('.');
    return `${field}: ${issue.message}`;
  });
  throw new Error(`Invalid ${owner}: ${problems.join('; ')}.`);
}
