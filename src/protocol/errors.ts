import { z } from 'zod';

/** The body of every error response of the server and the booth bridge. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    /** Stable machine-readable code, e.g. `segment.hash_mismatch`. */
    code: z.string(),
    /** Plain-language message naming the problem. */
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
