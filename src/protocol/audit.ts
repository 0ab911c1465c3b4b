import { z } from 'zod';
import { IsoTime, Sha256Hex } from './ids.js';

/** Who acted: `staff:<id>`, `booth:<id>`, `system`, or another `kind:<id>` the caller names. */
export const AuditActor = z.string().regex(/^[a-z][a-z0-9_-]{0,31}(:[\x21-\x7e]{1,200})?$/, 'an audit actor is `kind` or `kind:<id>` without spaces (e.g. staff:<uuid>, booth:<uuid>, system)');
/** What happened, dotted lower case: `archive.read`, `hold.set`, `auth.login_failed`. */
export const AuditAction = z.string().regex(/^[a-z][a-z0-9_-]{0,40}(\.[a-z0-9_-]{1,40}){1,3}$/, 'an audit action is dotted lower case, e.g. archive.read');
/** On what: `session:<uuid>`, `staff:<uuid>`, `product:<id>@<version>`, `audit`, ... */
export const AuditTarget = z.string().regex(/^[a-z][a-z0-9_-]{0,31}(:[\x21-\x7e]{1,200})?$/, 'an audit target is `kind` or `kind:<id>` without spaces (e.g. session:<uuid>)');
/** Largest canonical JSON of an entry's details, bytes. */
export const AUDIT_DETAILS_MAX_BYTES = 16 * 1024;

/** The hashed content of one audit entry (everything except the chain fields). */
export const AuditContent = z.strictObject({
  seq: z.number().int().min(1),
  at: IsoTime,
  actor: AuditActor,
  action: AuditAction,
  target: AuditTarget,
  branchId: z.string().max(64).nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditContent = z.infer<typeof AuditContent>;

/** One audit entry as stored and as served: content plus its place in the hash chain. */
export const AuditEntry = AuditContent.extend({
  /** SHA-256 of the canonical JSON of the content (with `v: 1`). */
  contentSha256: Sha256Hex,
  /** entryHash of the entry before (the genesis hash for seq 1). */
  prevHash: Sha256Hex,
  /** SHA-256 over "dualrec-audit-link-v1\n" + prevHash + "\n" + contentSha256. */
  entryHash: Sha256Hex,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Result of checking the chain (or a range of it). */
export const AuditVerifyResult = z.strictObject({
  ok: z.boolean(),
  /** First and last seq checked (null when the range was empty). */
  fromSeq: z.number().int().nullable(),
  toSeq: z.number().int().nullable(),
  checked: z.number().int().min(0),
  head: z.strictObject({ seq: z.number().int(), entryHash: Sha256Hex }).nullable(),
  /** The first entry that does not verify, and why. */
  firstBroken: z.strictObject({ seq: z.number().int(), reason: z.string() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;
