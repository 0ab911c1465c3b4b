import { setImmediate as tick } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { FleetHeartbeat } from '../../protocol/fleet.js';
import type { BoothDb } from '../db/schema.js';
import { recordingSessionId } from '../session-rows.js';
import type { FleetStartGate } from './start-gate.js';

const DONE = ['archived', 'failed'];

export interface IdleReading {
  /** No session is recording or starting, and the last one ended at least `quietMs` ago. */
  idle: boolean;
  /** The server has every segment and the signed manifest of the last session (or there is none). */
  synced: boolean;
  /** Why not, in plain words (null when idle and synced). */
  waitingFor: string | null;
}

/**
 * Answers "may the booth be reconfigured or updated now": from the session service (a session
 * starting or recording) and the booth database (the last session's phase, end and sync state).
 */
export class IdleMonitor {
  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly sessions: { readonly busy: boolean; readonly busyReason?: string | null },
    private readonly gate: FleetStartGate,
    private readonly quietMs: number,
  ) {}

  async read(now = Date.now()): Promise<IdleReading> {
    if (this.sessions.busy) return { idle: false, synced: false, waitingFor: this.sessions.busyReason ?? 'a session is recording' };
    if ((await recordingSessionId(this.db)) !== null) return { idle: false, synced: false, waitingFor: 'a session is recording' };
    const last = await this.lastSession();
    if (!last) return { idle: true, synced: true, waitingFor: null };
    const endedAgo = now - Date.parse(last.endedAt ?? last.startedAt);
    const idle = endedAgo >= this.quietMs;
    const waitingFor = !idle ? `the last session ended ${Math.round(endedAgo / 1000)} s ago` : !last.synced ? 'the last session to reach the server' : null;
    return { idle, synced: last.synced, waitingFor };
  }

  /** The most recent session and whether the server has all of it. */
  async lastSession(): Promise<NonNullable<FleetHeartbeat['lastSession']> | null> {
    const last = await this.db.selectFrom('sessions').selectAll().orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    if (!last) return null;
    let synced = DONE.includes(last.phase);
    if (!synced && last.server_finished === 1) {
      const pending = await this.db.selectFrom('segments').select('seq').where('session_id', '=', last.session_id).where('state', 'not in', ['acknowledged', 'purged']).executeTakeFirst();
      synced = pending === undefined;
    }
    return { sessionId: last.session_id, phase: last.phase, startedAt: last.started_at, endedAt: last.ended_at, synced };
  }

  /**
   * Takes a start hold if the booth is idle (and synced, when `needSynced`): returns its release, or
   * null (nothing held) when the booth is not. A session that passed the gate before the hold was
   * taken has marked itself busy by the next macrotask, so the reading after it is final.
   */
  async acquire(reason: string, needSynced: boolean): Promise<(() => void) | null> {
    const release = this.gate.hold(reason);
    try {
      await tick();
      const r = await this.read();
      if (r.idle && (!needSynced || r.synced)) return release;
    } catch (err) {
      release();
      throw err;
    }
    release();
    return null;
  }
}
