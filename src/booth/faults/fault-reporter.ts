import { EventEmitter } from 'node:events';
import type { Fault, FaultKind, FaultSeverity } from '../../protocol/faults.js';
import type { Logger } from '../../platform/log.js';
import type { FaultStore } from './fault-store.js';

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

/** What booth parts need to report faults (FaultReporter implements it). */
export interface FaultSink {
  raise(input: FaultInput): Fault;
  clear(kind: FaultKind, sessionId?: string | null): number;
}

/**
 * Where booth parts report faults. Raising the same (kind, session) again only updates its count
 * and time; clearing removes it. With a FaultStore every raise and clear is also written through
 * (in order) so faults survive a restart and are delivered to the server even when they were
 * cleared before it could be reached; `flush()` waits for the writes.
 */
export class FaultReporter extends EventEmitter<FaultReporterEvents> implements FaultSink {
  private readonly faults = new Map<string, Fault>();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: FaultStore | null = null,
    private readonly log: Logger | null = null,
  ) {
    super();
  }

  /** Loads the faults that were active when the booth last stopped. */
  async load(): Promise<void> {
    if (!this.store) return;
    for (const f of await this.store.loadActive()) this.faults.set(keyOf(f.kind, f.sessionId), f);
    if (this.faults.size > 0) this.emit('change');
  }

  raise(input: FaultInput): Fault {
    const key = keyOf(input.kind, input.sessionId ?? null);
    const now = new Date().toISOString();
    const existing = this.faults.get(key);
    const fault: Fault = existing
      ? { ...existing, severity: input.severity, message: input.message, lastSeen: now, count: existing.count + 1 }
      : { kind: input.kind, severity: input.severity, message: input.message, sessionId: input.sessionId ?? null, since: now, lastSeen: now, count: 1 };
    this.faults.set(key, fault);
    this.persist(fault, null);
    if (!existing) {
      this.log?.warn({ kind: fault.kind, severity: fault.severity, sessionId: fault.sessionId, detail: fault.message }, 'fault raised');
      this.emit('raised', fault);
    }
    this.emit('change');
    return fault;
  }

  /** Clears a fault; with no sessionId, clears that kind for every session. Returns how many. */
  clear(kind: FaultKind, sessionId?: string | null): number {
    let n = 0;
    const now = new Date().toISOString();
    for (const [key, f] of this.faults) {
      if (f.kind === kind && (sessionId === undefined || f.sessionId === sessionId)) {
        this.faults.delete(key);
        this.persist(f, now);
        this.log?.info({ kind: f.kind, sessionId: f.sessionId }, 'fault cleared');
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

  /** Resolves when every raise and clear so far is written to the store. */
  flush(): Promise<void> {
    return this.writes;
  }

  private persist(fault: Fault, clearedAt: string | null): void {
    const store = this.store;
    if (!store) return;
    this.writes = this.writes.then(() =>
      store.save(fault, clearedAt).catch((err: unknown) => {
        this.log?.error({ err, kind: fault.kind }, 'cannot persist a fault; it stays in memory only');
      }),
    );
  }
}

function keyOf(kind: FaultKind, sessionId: string | null): string {
  return `${kind}|${sessionId ?? ''}`;
}
