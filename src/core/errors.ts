/**
 * Error classes shared by booth, server and CLI. Each has a stable `code` and the HTTP status an
 * API answers with; the message names the problem in plain language.
 */
export class DualrecError extends Error {
  override readonly name: string = 'DualrecError';
  readonly status: number = 500;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The input is malformed or fails validation (400). */
export class ValidationError extends DualrecError {
  override readonly name = 'ValidationError';
  override readonly status = 400;
}

/** The caller is not authenticated (401). */
export class UnauthorizedError extends DualrecError {
  override readonly name = 'UnauthorizedError';
  override readonly status = 401;
}

/** The caller may not act on this resource (403). */
export class ForbiddenError extends DualrecError {
  override readonly name = 'ForbiddenError';
  override readonly status = 403;
}

/** The resource does not exist (404). */
export class NotFoundError extends DualrecError {
  override readonly name = 'NotFoundError';
  override readonly status = 404;
}

/** The request conflicts with what is stored (409): a different segment under the same number, an out-of-order upload. */
export class ConflictError extends DualrecError {
  override readonly name = 'ConflictError';
  override readonly status = 409;
}

/** The body is larger than allowed (413). */
export class PayloadTooLargeError extends DualrecError {
  override readonly name = 'PayloadTooLargeError';
  override readonly status = 413;
}

/** Too many attempts in a time window: login throttling (429). */
export class TooManyRequestsError extends DualrecError {
  override readonly name = 'TooManyRequestsError';
  override readonly status = 429;
}

/** Stored or received data fails an integrity check: hash, chain link, signature, tag (422). */
export class IntegrityError extends DualrecError {
  override readonly name = 'IntegrityError';
  override readonly status = 422;
}

/** A required external tool or device is missing or broken (503 when surfaced through an API). */
export class DependencyError extends DualrecError {
  override readonly name = 'DependencyError';
  override readonly status = 503;
}

/** Formats zod issues as "field: message; field: message". */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
