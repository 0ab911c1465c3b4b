import { z } from 'zod';
import { Base64, BoothId, IsoTime, ProductId, SegmentSeq, SegmentSeqParam, SessionId, Sha256Hex } from './ids.js';
import { KeyWrap, SessionManifest } from './envelope.js';
import { FaultReport } from './faults.js';
import { FleetHeartbeat } from './fleet.js';

/** Version prefix of every server route. */
export const API_PREFIX = '/api/v1';

/** Headers a booth sends with a segment upload. */
export const SEGMENT_SHA256_HEADER = 'x-dualrec-sha256';

/** GET /api/v1/health: the server answers and names its archive key. */
export const HealthResponse = z.strictObject({ ok: z.literal(true), archiveKeyId: Sha256Hex });
export type HealthResponse = z.infer<typeof HealthResponse>;

// ---- booth enrollment ----------------------------------------------------------------------

export const EnrollRequest = z.strictObject({
  code: z.string().min(8, 'enrollment code is too short').max(128),
  name: z.string().min(1).max(100),
  /** The booth's Ed25519 public key, SPKI DER, base64. */
  publicKey: Base64.max(200),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.strictObject({
  boothId: BoothId,
  /** Bearer token for every later request. Shown once; the server keeps only its hash. */
  token: z.string().min(32),
  /** The archive's RSA public key, SPKI DER, base64: session keys are wrapped with it. */
  archivePublicKey: Base64,
  archiveKeyId: Sha256Hex,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

// ---- sessions ----------------------------------------------------------------------------

// ProductId lives in ids.ts (the kiosk flow's schemas need it without importing this file).
export { ProductId } from './ids.js';

export const CreateSessionRequest = z.strictObject({
  sessionId: SessionId,
  productId: ProductId,
  startedAt: IsoTime,
  keyWrap: KeyWrap,
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const SessionStatus = z.enum(['recording', 'finishing', 'archiving', 'archived', 'failed']);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const SessionView = z.strictObject({
  sessionId: SessionId,
  boothId: BoothId,
  productId: z.string(),
  status: SessionStatus,
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  segmentsReceived: z.number().int(),
  archive: z
    .strictObject({
      mp4Path: z.string(),
      mp4Sha256: Sha256Hex,
      durationSec: z.number(),
      archivedAt: IsoTime,
    })
    .nullable(),
  failure: z.string().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

// ---- segments -----------------------------------------------------------------------------

export const SegmentParams = z.strictObject({ sessionId: SessionId, seq: SegmentSeqParam });

/** The server's acknowledgement of a stored segment. Repeat uploads return the same one. */
export const SegmentAck = z.strictObject({
  segmentId: z.string().min(1),
  sessionId: SessionId,
  seq: SegmentSeq,
  sha256: Sha256Hex,
  link: Sha256Hex,
  receivedAt: IsoTime,
});
export type SegmentAck = z.infer<typeof SegmentAck>;

// ---- finishing -----------------------------------------------------------------------------

export const FinishSessionRequest = z.strictObject({
  manifest: SessionManifest,
  /** Ed25519 signature of the canonical JSON of the manifest, base64. */
  signature: Base64,
});
export type FinishSessionRequest = z.infer<typeof FinishSessionRequest>;

export const FinishSessionResponse = z.strictObject({
  sessionId: SessionId,
  status: SessionStatus,
});
export type FinishSessionResponse = z.infer<typeof FinishSessionResponse>;

// ---- booth faults and status --------------------------------------------------------------

/** POST /api/v1/booth/faults: faults raised, repeated or cleared since the last delivery. */
export const FaultReportRequest = z.strictObject({
  faults: z.array(FaultReport).min(1, 'faults must list at least one fault').max(500, 'at most 500 faults per report'),
});
export type FaultReportRequest = z.infer<typeof FaultReportRequest>;

export const FaultReportResponse = z.strictObject({ accepted: z.number().int().min(0) });
export type FaultReportResponse = z.infer<typeof FaultReportResponse>;

/** POST /api/v1/booth/status: the booth's periodic health report. */
export const BoothStatusReport = z.strictObject({
  at: IsoTime,
  backlog: z.strictObject({
    /** Segments on the booth the server has not confirmed (including quarantined ones). */
    segments: z.number().int().min(0),
    bytes: z.number().int().min(0),
    quarantined: z.number().int().min(0),
    /** Seal time of the oldest unconfirmed segment. */
    oldestUnconfirmedAt: IsoTime.nullable(),
    oldestUnconfirmedAgeSec: z.number().min(0).nullable(),
  }),
  disk: z.strictObject({
    freeBytes: z.number().int().min(0).nullable(),
    vaultBytes: z.number().int().min(0),
    quotaBytes: z.number().int().min(0).nullable(),
    level: z.enum(['ok', 'warn', 'refuse', 'stop', 'unknown']),
  }),
  /** The session recording now, if any. */
  recordingSessionId: SessionId.nullable(),
  activeFaults: z.number().int().min(0),
  /** Version, devices, last session, config and update state (issue 10; absent from older booths). */
  fleet: FleetHeartbeat.optional(),
});
export type BoothStatusReport = z.infer<typeof BoothStatusReport>;

export const BoothStatusResponse = z.strictObject({ receivedAt: IsoTime });
export type BoothStatusResponse = z.infer<typeof BoothStatusResponse>;
