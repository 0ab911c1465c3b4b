import { z } from 'zod';
import { Base64, BoothId, IsoTime, SegmentSeq, SessionId, Sha256Hex } from './ids.js';
import { Timeline } from './kiosk-flow.js';

/**
 * The authenticated header of a sealed segment. It is stored in clear at the start of the sealed
 * file and bound to the ciphertext as AES-GCM associated data, so changing any field breaks the tag.
 */
export const SegmentHeader = z.strictObject({
  v: z.literal(1),
  sessionId: SessionId,
  boothId: BoothId,
  seq: SegmentSeq,
  /** 96-bit AES-GCM nonce, unique per segment. */
  nonce: Base64.length(16, 'nonce must be 12 bytes (16 base64 characters)'),
  /** SHA-256 of the plaintext media; checked by the archive after decryption. */
  plainSha256: Sha256Hex,
  plainBytes: z.number().int().min(0),
  /** Chain link of the previous segment (the session's genesis link for seq 0). */
  prevLink: Sha256Hex,
  /** Media time of this segment within the session, in seconds. */
  startSec: z.number().min(0),
  durationSec: z.number().min(0),
  container: z.literal('mpegts'),
  recordedAt: IsoTime,
});
export type SegmentHeader = z.infer<typeof SegmentHeader>;

/** How the per-session data key is wrapped for the archive. */
export const KeyWrap = z.strictObject({
  alg: z.literal('RSA-OAEP-256'),
  /** SHA-256 fingerprint of the archive public key (SPKI DER) the key was wrapped for. */
  archiveKeyId: Sha256Hex,
  wrappedKey: Base64,
});
export type KeyWrap = z.infer<typeof KeyWrap>;

export const ManifestSegment = z.strictObject({
  seq: SegmentSeq,
  cipherSha256: Sha256Hex,
  plainSha256: Sha256Hex,
  link: Sha256Hex,
  bytes: z.number().int().min(0),
  startSec: z.number().min(0),
  durationSec: z.number().min(0),
});
export type ManifestSegment = z.infer<typeof ManifestSegment>;

/** A hole in the recording's timeline (the recorder was restarted), with why. */
export const ManifestGap = z.strictObject({
  afterSeq: SegmentSeq,
  startSec: z.number().min(0),
  durationSec: z.number().min(0),
  reason: z.string().max(2000),
});
export type ManifestGap = z.infer<typeof ManifestGap>;

/**
 * The session manifest, signed by the booth's device key (Ed25519) when the session ends.
 * The signature covers the canonical JSON of this object (see core/canonical-json).
 */
export const SessionManifest = z.strictObject({
  v: z.literal(1),
  sessionId: SessionId,
  boothId: BoothId,
  productId: z.string().min(1).max(64),
  startedAt: IsoTime,
  endedAt: IsoTime,
  endReason: z.enum(['completed', 'aborted', 'emergency-stop']),
  keyWrap: KeyWrap,
  genesisLink: Sha256Hex,
  finalLink: Sha256Hex,
  /** End of the recorded timeline: the last segment's start plus its duration, seconds. */
  mediaDurationSec: z.number().min(0),
  segments: z.array(ManifestSegment).max(100_000),
  gaps: z.array(ManifestGap).max(100_000).default([]),
  /** The kiosk flow's timeline (every step and staff action, src/protocol/kiosk-flow.ts); absent for sessions recorded without the flow. */
  timeline: Timeline.optional(),
});
export type SessionManifest = z.infer<typeof SessionManifest>;
