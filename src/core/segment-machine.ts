import { ConflictError } from './errors.js';

/**
 * Lifecycle of one recorded segment on the booth.
 *
 *   recorded ─seal→ sealed ─uploadStarted→ uploading ─acknowledged→ acknowledged ─purged→ purged
 *                      │                      │  └─uploadFailed→ failed ─uploadStarted→ uploading
 *                      └─corrupted→ quarantined ←─rejected / corrupted─┘
 *                                      └─released (operator)→ sealed
 *
 * `recorded` is the plaintext FFmpeg has closed in the spool; it has no row because only the
 * in-memory session key can seal it. Every later state is a row in the booth database and every
 * transition is one transaction. `uploading` that outlives its process (a crash mid-upload) is
 * uploaded again: the server answers a repeat with the same acknowledgement.
 */
export const SEGMENT_STATES = ['recorded', 'sealed', 'uploading', 'acknowledged', 'purged', 'failed', 'quarantined'] as const;
export type SegmentState = (typeof SEGMENT_STATES)[number];

/** States with a row in the booth database. */
export type StoredSegmentState = Exclude<SegmentState, 'recorded'>;

export type SegmentEvent =
  | { type: 'sealed' }
  | { type: 'uploadStarted' }
  | { type: 'acknowledged' }
  /** A transient failure (network, 5xx, timeout): retried after a backoff. */
  | { type: 'uploadFailed'; reason: string }
  /** The server rejected the segment permanently (4xx): it will not succeed on retry. */
  | { type: 'rejected'; reason: string }
  /** The sealed file no longer matches its row (or is gone). */
  | { type: 'corrupted'; reason: string }
  /** An operator released a quarantined segment for another upload (the cause was fixed). */
  | { type: 'released' }
  | { type: 'purged' };

const TRANSITIONS: Record<SegmentState, Partial<Record<SegmentEvent['type'], SegmentState>>> = {
  recorded: { sealed: 'sealed' },
  sealed: { uploadStarted: 'uploading', corrupted: 'quarantined' },
  uploading: { uploadStarted: 'uploading', acknowledged: 'acknowledged', uploadFailed: 'failed', rejected: 'quarantined', corrupted: 'quarantined' },
  failed: { uploadStarted: 'uploading', corrupted: 'quarantined' },
  acknowledged: { purged: 'purged' },
  purged: {},
  quarantined: { released: 'sealed' },
};

/** The next state, or a ConflictError naming state and event when the event is not allowed there. */
export function nextSegmentState(state: SegmentState, event: SegmentEvent): SegmentState {
  const next = TRANSITIONS[state][event.type];
  if (next === undefined) throw new ConflictError('segment.bad_transition', `a segment that is ${state} cannot take the event ${event.type}`);
  return next;
}

/** States whose segment still waits for the server (counted in the backlog). */
export const UNCONFIRMED_STATES: readonly StoredSegmentState[] = ['sealed', 'uploading', 'failed', 'quarantined'];

/** States the uploader may pick up (a `failed` one only once its retry time has come). */
export const UPLOADABLE_STATES: readonly StoredSegmentState[] = ['sealed', 'uploading', 'failed'];

/** HTTP statuses that mean "this segment will never be accepted as sent". Auth and lookup errors are the booth's problem, not the segment's. */
export function isPermanentSegmentRejection(httpStatus: number, code: string): boolean {
  if (httpStatus === 409) return code === 'segment.exists';
  return httpStatus === 400 || httpStatus === 413 || httpStatus === 422;
}
