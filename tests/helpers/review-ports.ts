// In-memory implementations of the machine review's ports (src/server/review/ports.ts) for the
// review workflow's tests, until the machine review's own (src/server/review/machine/) is wired.
import { NotFoundError } from '../../src/core/errors.js';
import type { MachineReport, ScreenshotView } from '../../src/protocol/review.js';
import type { MachineReports, Screenshots } from '../../src/server/review/ports.js';

export class MemoryMachineReports implements MachineReports {
  readonly reports = new Map<string, MachineReport>();
  async get(sessionId: string): Promise<MachineReport | null> {
    return this.reports.get(sessionId) ?? null;
  }
}

export class MemoryScreenshots implements Screenshots {
  readonly shots = new Map<string, Array<{ view: ScreenshotView; jpeg: Buffer }>>();
  add(view: ScreenshotView, jpeg: Buffer): void {
    this.shots.set(view.sessionId, [...(this.shots.get(view.sessionId) ?? []), { view, jpeg }]);
  }
  async list(sessionId: string): Promise<ScreenshotView[]> {
    return (this.shots.get(sessionId) ?? []).map((s) => s.view);
  }
  async image(sessionId: string, screenshotId: string): Promise<Buffer> {
    const s = (this.shots.get(sessionId) ?? []).find((x) => x.view.screenshotId === screenshotId);
    if (!s) throw new NotFoundError('screenshot.unknown', `session ${sessionId} has no screenshot ${screenshotId}`);
    return s.jpeg;
  }
  async latest(sessionIds: readonly string[]): Promise<Map<string, ScreenshotView>> {
    const out = new Map<string, ScreenshotView>();
    for (const id of sessionIds) {
      const last = this.shots.get(id)?.at(-1);
      if (last) out.set(id, last.view);
    }
    return out;
  }
}

/** A machine report with `verdict` and findings of `codes` (severity from the verdict). */
export function reportOf(sessionId: string, verdict: MachineReport['verdict'], findings: MachineReport['findings'] = []): MachineReport {
  return {
    v: 1,
    sessionId,
    verdict,
    findings,
    durationSec: 60,
    disclosure: { rounds: 1, completed: true, startedAtSec: 5, endedAtSec: 40 },
    face: null,
    speech: null,
    booth: { face: null, speech: null },
    gaps: [],
    faults: [],
    engines: { face: null, speech: null },
    sourceSha256: '0'.repeat(64),
    createdAt: new Date().toISOString(),
  };
}
