import type { CheckDecision, PresenceState } from '../../protocol/checks.js';

/** Presence of a sample: no face, one face, or several. */
export function presenceOf(faces: number): PresenceState {
  return faces === 0 ? 'absent' : faces === 1 ? 'present' : 'multiple';
}

/**
 * The presence timeline (pure): a state change is recorded once the new state has lasted
 * `changeAfterSec` (so one missed detection is not an absence), dated from when it began. The
 * first sample sets the state at once.
 */
export class PresenceTracker {
  state: PresenceState | null = null;
  sinceSec: number | null = null;
  private candidate: { state: PresenceState; sinceSec: number; faces: number } | null = null;
  private readonly changes: { state: PresenceState; sinceSec: number }[] = [];

  constructor(private readonly changeAfterSec: number) {}

  onSample(atSec: number, faces: number): CheckDecision[] {
    const observed = presenceOf(faces);
    if (this.state === null) return this.commit(atSec, observed, atSec, faces);
    if (observed === this.state) {
      this.candidate = null;
      return [];
    }
    if (this.candidate?.state !== observed) this.candidate = { state: observed, sinceSec: atSec, faces };
    if (atSec - this.candidate.sinceSec >= this.changeAfterSec) return this.commit(atSec, observed, this.candidate.sinceSec, faces);
    return [];
  }

  private commit(atSec: number, state: PresenceState, sinceSec: number, faces: number): CheckDecision[] {
    this.state = state;
    this.sinceSec = sinceSec;
    this.candidate = null;
    this.changes.push({ state, sinceSec });
    return [{ type: 'face.presence', atSec, state, sinceSec, faces }];
  }

  /** Seconds spent in each state from the first sample until `endSec`. */
  totals(endSec: number): Record<PresenceState, number> {
    const out: Record<PresenceState, number> = { present: 0, absent: 0, multiple: 0 };
    this.changes.forEach((c, i) => {
      const until = this.changes[i + 1]?.sinceSec ?? endSec;
      out[c.state] += Math.max(0, until - c.sinceSec);
    });
    for (const k of Object.keys(out) as PresenceState[]) out[k] = Math.round(out[k] * 100) / 100;
    return out;
  }
}
