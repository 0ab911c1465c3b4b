import { descriptorDistance, round4 } from '../../core/checks/face-math.js';
import { FaceVerification } from '../../core/checks/face-verification.js';
import { PresenceTracker } from '../../core/checks/presence.js';
import type { CheckDecision, FacePolicy } from '../../protocol/checks.js';
import type { FaceEngine, ImageFrame } from '../../engines/face/face-engine.js';

export interface FaceSamplerStats {
  frames: number;
  /** Frames skipped because the engine was still busy with an earlier one. */
  dropped: number;
  analyses: number;
  detections: number;
  analyzeMs: number;
  detectMs: number;
}

/**
 * Feeds the capture's gray face frames to the face engine, one at a time (frames that arrive
 * while the engine is busy are dropped, never queued): while verifying, every frame is analysed
 * (descriptor); once matched, presence is sampled with the fast detector every
 * `presenceEverySec` and the face verified again every `reverifyEverySec`.
 */
export class FaceSampler {
  readonly verification: FaceVerification;
  readonly presence: PresenceTracker;
  readonly stats: FaceSamplerStats = { frames: 0, dropped: 0, analyses: 0, detections: 0, analyzeMs: 0, detectMs: 0 };
  private busy: Promise<void> | null = null;
  private lastPresenceSec = -Infinity;
  private lastVerifySec = -Infinity;
  private errors = 0;

  constructor(
    private readonly engine: FaceEngine,
    /** The customer's enrolled descriptors; the closest one counts. */
    private readonly enrolled: readonly (readonly number[])[],
    private readonly policy: FacePolicy,
    private readonly frameSize: { width: number; height: number },
    private readonly record: (d: CheckDecision) => void,
  ) {
    this.verification = new FaceVerification(policy);
    this.presence = new PresenceTracker(policy.changeAfterSec);
  }

  /** A gray frame from the tap at session second `atSec`. */
  onFrame(gray: Buffer, atSec: number): void {
    this.stats.frames += 1;
    if (this.busy) {
      this.stats.dropped += 1;
      return;
    }
    const frame: ImageFrame = { ...this.frameSize, channels: 1, data: new Uint8Array(gray.buffer, gray.byteOffset, gray.length) };
    const job = this.job(frame, atSec);
    if (!job) return;
    this.busy = job
      .catch((err: unknown) => {
        this.errors += 1;
        // The first failure and then every 50th: an engine that keeps failing must not flood the timeline.
        if (this.errors % 50 === 1) this.record({ type: 'checks.error', atSec, engine: 'face', message: (err as Error).message });
      })
      .finally(() => {
        this.busy = null;
      });
  }

  private job(frame: ImageFrame, atSec: number): Promise<void> | null {
    const v = this.verification;
    if (v.status === 'verifying') return this.analyze(frame, atSec, 'verify');
    const reverify = this.policy.reverifyEverySec;
    if (v.status === 'matched' && reverify > 0 && atSec - this.lastVerifySec >= reverify) return this.analyze(frame, atSec, 'reverify');
    if (atSec - this.lastPresenceSec >= this.policy.presenceEverySec) return this.detect(frame, atSec);
    return null;
  }

  private async analyze(frame: ImageFrame, atSec: number, why: 'verify' | 'reverify'): Promise<void> {
    const r = await this.engine.analyze(frame);
    this.stats.analyses += 1;
    this.stats.analyzeMs += r.ms;
    this.lastVerifySec = atSec;
    this.lastPresenceSec = atSec;
    const faces = r.faces.length;
    const distance = faces === 1 ? round4(Math.min(...this.enrolled.map((e) => descriptorDistance(r.faces[0]!.descriptor, e)))) : null;
    this.emit(this.presence.onSample(atSec, faces));
    if (why === 'verify') this.emit(this.verification.onSample({ atSec, faces, distance }));
    else this.record({ type: 'face.reverify', atSec, distance, matched: distance !== null && distance < this.policy.threshold, faces });
  }

  private async detect(frame: ImageFrame, atSec: number): Promise<void> {
    const r = await this.engine.detect(frame);
    this.stats.detections += 1;
    this.stats.detectMs += r.ms;
    this.lastPresenceSec = atSec;
    this.emit(this.presence.onSample(atSec, r.faces.length));
  }

  private emit(ds: CheckDecision[]): void {
    for (const d of ds) this.record(d);
  }

  /** Waits for the frame in work, if any. */
  async idle(): Promise<void> {
    await this.busy;
  }
}
