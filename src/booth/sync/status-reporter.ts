import type { Logger } from '../../platform/log.js';
import type { BoothStatusReport } from '../../protocol/server-api.js';
import { clockSkew, isSkewed } from '../../core/clock-skew.js';
import type { FaultSink } from '../faults/fault-reporter.js';
import type { FaultStore } from '../faults/fault-store.js';
import type { ServerClient } from './server-client.js';

const FAULTS_PER_REPORT = 100;

/**
 * Delivers the booth's faults and status to the server: every undelivered fault version (raised,
 * repeated or cleared; persisted, so a restart loses none), then a status report every `everyMs`.
 * `kick()` sends at once (a fault changed). Failures wait for the next round; nothing is dropped.
 * Each status exchange also measures the booth clock against the server's (`clock.skew`).
 */
export class StatusReporter {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private lastStatusAt = 0;

  constructor(
    private readonly client: ServerClient,
    private readonly faults: FaultStore,
    private readonly status: () => Promise<BoothStatusReport>,
    private readonly everyMs: number,
    private readonly log: Logger,
    /** Where `clock.skew` is raised and cleared; null: the clock is not checked. */
    private readonly clockFaults: FaultSink | null = null,
    private readonly maxSkewMs = 120_000,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.kick(), Math.min(this.everyMs, 5000));
    this.timer.unref();
    this.kick();
  }

  /** Runs a round now (or right after the one in progress). */
  kick(): void {
    if (this.closed) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.deliver()
      .then(undefined, (err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot deliver faults or status; will retry'))
      .finally(() => {
        this.round = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Runs a round now that also sends the status even if it is not due (the fleet view should see a change at once). */
  statusNow(): void {
    this.lastStatusAt = 0;
    this.kick();
  }

  /** Resolves when the round in progress (if any) has ended. */
  async idle(): Promise<void> {
    while (this.round) await this.round;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async deliver(): Promise<void> {
    for (;;) {
      const batch = await this.faults.undelivered(FAULTS_PER_REPORT);
      if (batch.length === 0) break;
      await this.client.reportFaults({ faults: batch.map((b) => b.report) });
      await this.faults.markDelivered(batch);
    }
    if (Date.now() - this.lastStatusAt >= this.everyMs) {
      const report = await this.status();
      const sent = Date.now();
      const res = await this.client.reportStatus(report);
      this.lastStatusAt = Date.now();
      this.checkClock(clockSkew(sent, this.lastStatusAt, Date.parse(res.receivedAt)));
    }
  }

  /** Raises `clock.skew` while the booth clock is off the server's by more than maxSkewMs (segment times come from it). */
  private checkClock(s: { skewMs: number; uncertaintyMs: number }): void {
    if (!this.clockFaults) return;
    if (isSkewed(s, this.maxSkewMs)) {
      const sec = Math.round(Math.abs(s.skewMs) / 1000);
      this.clockFaults.raise({ kind: 'clock.skew', severity: 'warning', message: `The booth clock is ${sec} s ${s.skewMs > 0 ? 'behind' : 'ahead of'} the centre's; recording times will be off. Check the time settings.` });
    } else {
      this.clockFaults.clear('clock.skew');
    }
  }
}
