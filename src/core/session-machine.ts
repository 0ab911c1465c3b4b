import type { SessionPhase } from '../protocol/booth-api.js';
import { ConflictError } from './errors.js';

/** What can happen to a booth session. */
export type SessionEvent =
  | { type: 'captureStarted' }
  | { type: 'stopRequested' }
  | { type: 'captureEnded' }
  | { type: 'archived' }
  | { type: 'failed'; reason: string };

const TRANSITIONS: Record<SessionPhase, Partial<Record<SessionEvent['type'], SessionPhase>>> = {
  starting: { captureStarted: 'recording', stopRequested: 'stopping', failed: 'failed' },
  recording: { stopRequested: 'stopping', captureEnded: 'syncing', failed: 'failed' },
  stopping: { captureEnded: 'syncing', failed: 'failed' },
  syncing: { archived: 'archived', failed: 'failed' },
  archived: {},
  failed: {},
};

/** The next phase, or a ConflictError naming the phase and event when the event is not allowed there. */
export function nextPhase(phase: SessionPhase, event: SessionEvent): SessionPhase {
  const next = TRANSITIONS[phase][event.type];
  if (next === undefined) throw new ConflictError('session.bad_transition', `cannot ${event.type} while the session is ${phase}`);
  return next;
}

/** True when a new session may start: no session, or the last one has ended (synced or failed). */
export function canStartNew(phase: SessionPhase | null): boolean {
  return phase === null || phase === 'archived' || phase === 'failed' || phase === 'syncing';
}
