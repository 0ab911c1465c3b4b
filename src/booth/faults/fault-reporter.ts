import { EventEmitter } from 'node:events';
import type { Fault, FaultKind, FaultSeverity } from '../../protocol/faults.js';

export interface FaultInput {
  kind: FaultKind;
  severity: FaultSeverity;
  message: string;
  sessionId?: string | null;
}

export interface FaultReporterEvents {
  /** The set of active faults changed. */
  change: [];
  /** A fault was raised for the first time (not on repeats). */
  raised: [Fault];
}

/**
 * Where booth parts report faults. Raising the same (kind, session) again only updates its count
 * and time; clearing removes it. This implementation keeps them in memory; persistence and
 * delivery to the server build on the same interface.
 */
export class FaultReporter extends EventEmitter<FaultReporterEvents> {
  private readonly faults = new Map<string, Fault>();

  raise(input: FaultInput): Fault {
    const key = `${input.kind}|${input.sessionId ?? ''}`;
    const now = new Date().toISOString();
    const existing = this.faults.get(key);
    const fault: Fault = existing
      ? { ...existing, severity: input.severity, message: input.message, lastSeen: now, count: existing.count + 1 }
      : { kind: input.kind, severity: input.severity, message: input.message, sessionId: input.sessionId ?? null, since: now, lastSeen: now, count: 1 };
    this.faults.set(key, fault);
    if (!existing) this.emit('raised', fault);
    this.emit('change');
    return fault;
  }

  /** Clears a fault; with no sessionId, clears that kind for every session. Returns how many. */
  clear(kind: FaultKind, sessionId?: string | null): number {
    let n = 0;
    for (const [key, f] of this.faults) {
      if (f.kind === kind && (sessionId === undefined || f.sessionId === sessionId)) {
        this.faults.delete(key);
        n++;
      }
    }
    if (n > 0) this.emit('change');
    return n;
  }

  /** Active faults, most severe first, then oldest first. */
  active(): Fault[] {
    const rank: Record<FaultSeverity, number> = { critical: 0, error: 1, warning: 2 };
    return [...this.faults.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || a.since.localeCompare(b.since));
  }
}
