/**
 * The append-only audit log: every access to and action on evidence (and every login, account
 * and catalogue change) is one entry, hash-chained to the one before, so a removed or edited entry
 * breaks verification. The implementation lives in the database; callers only append.
 */
export interface AuditEvent {
  /** Who: `staff:<uuid>`, `booth:<uuid>`, or `system`. */
  actor: string;
  /** What, dotted: `auth.login`, `auth.login_failed`, `staff.create`, `catalogue.publish`, `archive.read`, `evidence.export`, `hold.set`, ... */
  action: string;
  /** On what: `session:<uuid>`, `staff:<uuid>`, `product:<id>@<version>`, ... */
  target: string;
  /** Branch the target belongs to, when it has one (for branch-scoped audit reads). */
  branchId?: string | null;
  /** Small JSON-safe details (never secrets, never passwords). */
  details?: Record<string, unknown>;
}

export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
}
