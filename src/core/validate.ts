import type { z } from 'zod';
import { describeIssues, IntegrityError, ValidationError } from './errors.js';

/** Parses untrusted input; throws ValidationError naming `what` and each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError('request.invalid', `invalid ${what}: ${describeIssues(r.error.issues)}`, r.error.issues);
  return r.data;
}

/** Parses JSON the server stored itself (a row's column); IntegrityError `code` naming `what` when it is not what was stored. */
export function parseStoredJson<S extends z.ZodType>(schema: S, text: string, what: string, code: string): z.infer<S> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new IntegrityError(code, `stored ${what} is not JSON`);
  }
  const r = schema.safeParse(v);
  if (!r.success) throw new IntegrityError(code, `stored ${what} is invalid`);
  return r.data;
}
