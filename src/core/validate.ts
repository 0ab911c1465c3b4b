import type { z } from 'zod';
import { describeIssues, ValidationError } from './errors.js';

/** Parses untrusted input; throws ValidationError naming `what` and each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError('request.invalid', `invalid ${what}: ${describeIssues(r.error.issues)}`, r.error.issues);
  return r.data;
}
