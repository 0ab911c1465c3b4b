import { z } from 'zod';
import { IsoTime, SessionId } from './ids.js';

/**
 * Booth faults: typed, deduplicated by (kind, sessionId), shown to staff on the kiosk and reported
 * to the server. Kinds are stable identifiers; messages are plain language for staff.
 */
export const FaultKind = z.enum([
  'camera.lost',
  'mic.lost',
  'screen.failed',
  'encoder.slow',
  'recorder.crashed',
  'recorder.stalled',
  'disk.nearly_full',
  'disk.full',
  'disk.write_error',
  'disk.path_missing',
  'upload.failing',
  'clock.skew',
  'key.missing',
  /** A sealed segment on the booth's disk no longer matches its recorded hash (or is gone): quarantined, not uploaded. */
  'segment.corrupted',
  /** The server rejected a segment permanently (4xx): quarantined instead of retried forever. */
  'segment.rejected',
  /** A cached risk-disclosure file no longer matches its hash (or is gone) and could not be fetched again. */
  'catalogue.corrupted',
]);
export type FaultKind = z.infer<typeof FaultKind>;

export const FaultSeverity = z.enum(['warning', 'error', 'critical']);
export type FaultSeverity = z.infer<typeof FaultSeverity>;

export const Fault = z.strictObject({
  kind: FaultKind,
  severity: FaultSeverity,
  message: z.string().max(2000),
  sessionId: SessionId.nullable(),
  /** When the fault was first raised (it stays until cleared). */
  since: IsoTime,
  /** When it was last raised again. */
  lastSeen: IsoTime,
  count: z.number().int().min(1),
});
export type Fault = z.infer<typeof Fault>;

/** A fault as reported to the server: its latest state, and when it was cleared (null while active). */
export const FaultReport = Fault.extend({ clearedAt: IsoTime.nullable() });
export type FaultReport = z.infer<typeof FaultReport>;
