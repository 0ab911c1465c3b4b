import type { CheckDecision, FaceMiss, FacePolicy } from '../../protocol/checks.js';
import { median, round4 } from './face-math.js';

/** One analysed camera frame: how many faces, and the distance of the face to the enrolled one when there is exactly one. */
export interface FaceSample {
  atSec: number;
  faces: number;
  distance: number | null;
}

export type FaceVerificationStatus = 'idle' | 'verifying' | 'matched' | 'failed';

/**
 * Face verification rules (pure). An attempt measures `framesPerAttempt` frames that show exactly
 * one face and matches when their median distance is below the threshold; an attempt that sees
 * no usable frame within `attemptTimeoutSec` fails as no face / several faces (one that got no
 * analysed frame at all is not counted: it is recorded as a checks error and starts again). After a failed
 * attempt the kiosk asks the customer to face the camera (`face.reacquire`) and the next attempt
 * begins, up to `maxAttempts`; then `face.failed`. `begin()` starts a new round after a failure.
 */
export class FaceVerification {
  status: FaceVerificationStatus = 'idle';
  /** Attempt number within the current round (0 before the first). */
  attempt = 0;
  lastDistance: number | null = null;
  private frames: FaceSample[] = [];
  private attemptStartedSec = 0;
  private lastMiss: FaceMiss = 'no_face';
  /** Whether the current attempt got any analysed frame at all. */
  private sampled = false;

  constructor(private readonly policy: FacePolicy) {}

  /** Starts a round of attempts; does nothing while one runs or after a match. */
  begin(atSec: number): CheckDecision[] {
    if (this.status === 'verifying' || this.status === 'matched') return [];
    this.status = 'verifying';
    this.attempt = 1;
    this.frames = [];
    this.attemptStartedSec = atSec;
    this.lastMiss = 'no_face';
    this.sampled = false;
    return [];
  }

  onSample(s: FaceSample): CheckDecision[] {
    if (this.status !== 'verifying') return [];
    this.sampled = true;
    if (s.faces === 1 && s.distance !== null) {
      this.frames.push(s);
      this.lastDistance = round4(s.distance);
      if (this.frames.length >= this.policy.framesPerAttempt) return this.decide(s.atSec);
      return [];
    }
    this.lastMiss = s.faces === 0 ? 'no_face' : 'multiple_faces';
    return this.tick(s.atSec);
  }

  /** Ends an attempt that ran out of time. */
  tick(atSec: number): CheckDecision[] {
    if (this.status !== 'verifying' || atSec - this.attemptStartedSec < this.policy.attemptTimeoutSec) return [];
    return this.decide(atSec);
  }

  private decide(atSec: number): CheckDecision[] {
    if (!this.sampled) {
      // Nothing was analysed (no camera frames, or the engine is too slow): not the customer's
      // failure, so the attempt is not counted; it starts again and the problem is recorded.
      const waited = Math.round((atSec - this.attemptStartedSec) * 10) / 10;
      this.attemptStartedSec = atSec;
      return [{ type: 'checks.error', atSec, engine: 'face', message: `no camera frame was analysed for ${waited} s; face attempt ${this.attempt} starts again` }];
    }
    const distances = this.frames.map((f) => f.distance!);
    const med = distances.length > 0 ? round4(median(distances)) : null;
    const matched = med !== null && med < this.policy.threshold;
    const miss: FaceMiss | null = matched ? null : med !== null ? 'not_matching' : this.lastMiss;
    const out: CheckDecision[] = [
      {
        type: 'face.attempt',
        atSec,
        attempt: this.attempt,
        frames: this.frames.map((f) => ({ atSec: f.atSec, faces: f.faces, distance: f.distance === null ? null : round4(f.distance) })),
        medianDistance: med,
        threshold: this.policy.threshold,
        matched,
        miss,
      },
    ];
    if (matched) {
      this.status = 'matched';
      out.push({ type: 'face.verified', atSec, attempts: this.attempt, distance: med });
      return out;
    }
    if (this.attempt >= this.policy.maxAttempts) {
      this.status = 'failed';
      out.push({ type: 'face.failed', atSec, attempts: this.attempt, reason: miss! });
      return out;
    }
    this.attempt += 1;
    this.frames = [];
    this.attemptStartedSec = atSec;
    this.lastMiss = 'no_face';
    this.sampled = false;
    out.push({ type: 'face.reacquire', atSec, attempt: this.attempt, reason: miss! });
    return out;
  }
}
