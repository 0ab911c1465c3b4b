import { EventEmitter } from 'node:events';
import { ConflictError } from '../../core/errors.js';
import type { SessionGuard, SessionGuardEvents } from '../vault/disk-guard.js';

/**
 * The session service's guard with fleet holds on top: while remote config is being applied or an
 * update is being installed, a new session is refused (409 `booth.updating`); otherwise the vault's
 * disk guard decides, and its emergency stops pass through.
 */
export class FleetStartGate extends EventEmitter<SessionGuardEvents> implements SessionGuard {
  private readonly holds = new Map<symbol, string>();

  constructor(private readonly inner: SessionGuard | null) {
    super();
    inner?.on('emergencyStop', (reason) => this.emit('emergencyStop', reason));
  }

  async assertCanStart(): Promise<void> {
    await this.inner?.assertCanStart();
    // Checked after the disk guard's await, so a start that passes sets its "starting" flag before any later hold looks.
    const reason = this.holds.values().next().value;
    if (reason !== undefined) throw new ConflictError('booth.updating', `the booth is ${reason}; a new session can start in a moment`);
  }

  get held(): boolean {
    return this.holds.size > 0;
  }

  /** Refuses new sessions until the returned function is called (safe to call twice). */
  hold(reason: string): () => void {
    const key = Symbol(reason);
    this.holds.set(key, reason);
    return () => {
      this.holds.delete(key);
    };
  }
}
