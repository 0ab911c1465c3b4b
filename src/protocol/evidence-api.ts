import { z } from 'zod';
import { AuditEntry, AuditTarget, AuditVerifyResult } from './audit.js';
import { BoothId, IntParam, IsoTime, SessionFileName, SessionId, Sha256Hex } from './ids.js';
import { RetentionClass } from './retention.js';
import { BranchId } from './staff.js';

/** Why a hold is set or released, or a retention extended: said in words, kept in the audit log. */
export const Reason = z.string().trim().min(3, 'reason must be at least 3 characters').max(2000, 'reason must be at most 2000 characters');

export const SessionParams = z.strictObject({ sessionId: SessionId });
export const HoldParams = z.strictObject({ holdId: z.uuid({ message: 'hold id must be a UUID' }) });
/** A downloadable file of an archived session, by the name the session view lists. */
export const FileParams = z.strictObject({
  sessionId: SessionId,
  name: SessionFileName,
});

// ---- archived sessions ----------------------------------------------------------------------

/** GET /api/v1/archive/sessions?limit=&before=&branchId= (newest archived first). */
export const ArchiveListQuery = z.strictObject({
  limit: IntParam('limit', 1, 200).default(50),
  /** Only sessions archived before this time (the last archivedAt of the previous page). */
  before: IsoTime.optional(),
  branchId: BranchId.optional(),
});
export type ArchiveListQuery = z.infer<typeof ArchiveListQuery>;

export const RetentionView = z.strictObject({
  retentionClass: RetentionClass,
  retainUntil: IsoTime,
  activeHolds: z.number().int().min(0),
  /** Every stored file carries the retention date (and the hold flag) in the store. */
  filesProtected: z.boolean(),
  deletedAt: IsoTime.nullable(),
});
export type RetentionView = z.infer<typeof RetentionView>;

export const ArchivedSessionSummary = z.strictObject({
  sessionId: SessionId,
  boothId: BoothId,
  /** The branch of the booth that recorded it; null for booths enrolled before branches existed. */
  branchId: BranchId.nullable(),
  productId: z.string(),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  archivedAt: IsoTime,
  durationSec: z.number(),
  /** Null for a session archived moments ago whose retention record the sweep has not made yet. */
  retention: RetentionView.nullable(),
});
export type ArchivedSessionSummary = z.infer<typeof ArchivedSessionSummary>;

export const ArchiveList = z.strictObject({ sessions: z.array(ArchivedSessionSummary) });
export type ArchiveList = z.infer<typeof ArchiveList>;

export const HoldView = z.strictObject({
  holdId: z.uuid(),
  sessionId: SessionId,
  reason: z.string(),
  setBy: z.string(),
  setAt: IsoTime,
  releasedBy: z.string().nullable(),
  releasedAt: IsoTime.nullable(),
  releaseReason: z.string().nullable(),
});
export type HoldView = z.infer<typeof HoldView>;

export const EvidenceFileView = z.strictObject({
  name: z.string(),
  kind: z.enum(['segment', 'recording', 'record', 'derived']),
  sha256: Sha256Hex.nullable(),
  bytes: z.number().int().nullable(),
  mediaType: z.string(),
});
export type EvidenceFileView = z.infer<typeof EvidenceFileView>;

/** GET /api/v1/archive/sessions/:sessionId */
export const ArchivedSessionDetail = ArchivedSessionSummary.extend({
  retention: RetentionView,
  holds: z.array(HoldView),
  files: z.array(EvidenceFileView),
});
export type ArchivedSessionDetail = z.infer<typeof ArchivedSessionDetail>;

/** POST /api/v1/archive/sessions/:sessionId/export (body optional): the evidence package, streamed. */
export const ExportRequest = z.strictObject({
  /** Include each segment decrypted (the bytes whose SHA-256 the booth signed); default true. */
  segments: z.boolean().default(true),
});

/** POST /api/v1/archive/sessions/:sessionId/holds */
export const SetHoldRequest = z.strictObject({ reason: Reason });
/** POST /api/v1/archive/holds/:holdId/release */
export const ReleaseHoldRequest = z.strictObject({ reason: Reason });
/** POST /api/v1/archive/sessions/:sessionId/retention: keep longer (never shorter). */
export const ExtendRetentionRequest = z.strictObject({ retainUntil: IsoTime, reason: Reason });

// ---- audit log ------------------------------------------------------------------------------

/** GET /api/v1/audit?fromSeq=&limit=&target= */
export const AuditListQuery = z.strictObject({
  fromSeq: IntParam('fromSeq', 1, Number.MAX_SAFE_INTEGER).default(1),
  limit: IntParam('limit', 1, 1000).default(100),
  target: AuditTarget.optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditList = z.strictObject({ entries: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;

/** GET /api/v1/audit/verify?fromSeq=&toSeq= */
export const AuditVerifyQuery = z.strictObject({
  fromSeq: IntParam('fromSeq', 1, Number.MAX_SAFE_INTEGER).optional(),
  toSeq: IntParam('toSeq', 1, Number.MAX_SAFE_INTEGER).optional(),
});
/** The chain check plus the archive's signed checkpoints of it. */
export const AuditVerifyResponse = AuditVerifyResult.extend({
  checkpoints: z.strictObject({ checked: z.number().int().min(0), broken: z.strictObject({ seq: z.number().int(), reason: z.string() }).nullable() }),
});
export type AuditVerifyResponse = z.infer<typeof AuditVerifyResponse>;
