import { EventEmitter } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { CaptureConfig } from '../config.js';
import type { FaultReporter } from '../faults/fault-reporter.js';
import type { InputPlan, LiveOutput } from './args.js';
import type { CaptureProgress } from './progress.js';
import { Recorder, type ClosedSegment, type RecorderExit } from './recorder.js';
import type { RecordingLock } from './recording-lock.js';
import { salvageOpenSegments } from './salvage.js';

/** A closed segment with the FFmpeg run that wrote it (run 0 is the first). */
export interface RunSegment extends ClosedSegment {
  run: number;
}

/** Why a run ended and a new one began. */
export interface Restart {
  run: number;
  reason: string;
  at: string;
}

export interface SupervisorEvents {
  segment: [RunSegment];
  restart: [Restart];
  face: [Buffer];
  pcm: [Buffer];
  preview: [Buffer];
  progress: [CaptureProgress & { run: number; elapsedSec: number; bytesWritten: number }];
  /** Capture cannot continue (restart limit, FFmpeg cannot start); the session must end. */
  failed: [string];
}

export interface SupervisorOptions {
  ff: FfmpegInfo;
  cfg: CaptureConfig;
  /** Inputs for a run; `withScreen` false after screen capture failed. */
  plan: (withScreen: boolean) => InputPlan;
  spoolDir: string;
  sessionId: string;
  faults: FaultReporter;
  lock: RecordingLock;
  log: Logger;
  /** Live RTP outputs into the SFU for each run (remote assistance), if any. */
  live?: () => LiveOutput | null;
}

const WATCH_MS = 500;
/** A run that dies sooner than this after starting counts as a failed start. */
const QUICK_EXIT_MS = 2500;

/**
 * Keeps one session recording through FFmpeg crashes and stalls: each unexpected exit salvages
 * the segment that was open, raises a fault and starts a new run into the same session, with
 * timestamps continuing the session's wall-clock timeline (so the gap shows as a gap). Watches the
 * taps: no camera frames -> camera.lost, no PCM -> mic.lost, speed below real time -> encoder.slow,
 * no progress -> recorder.stalled (and a restart). Screen capture that fails at start raises
 * screen.failed and the session goes on with camera and microphone.
 */
export class CaptureSupervisor extends EventEmitter<SupervisorEvents> {
  private run = -1;
  private recorder: Recorder | null = null;
  private runStartedAt = 0;
  private readonly sessionStartedAt = Date.now();
  private lastProgressAt = 0;
  private lastFaceAt = 0;
  private lastPcmAt = 0;
  private slowReports = 0;
  /** Whether the current run has reported progress (a run that never did failed to start). */
  private sawProgress = false;
  /** Bytes of the segments closed so far, over all runs. */
  private closedBytes = 0;
  private droppedBefore = 0;
  private lastDropped = 0;
  private restarts = 0;
  private withScreen = true;
  private stopping = false;
  private watch: NodeJS.Timeout | null = null;
  private runDone: Promise<void> = Promise.resolve();

  private constructor(private readonly o: SupervisorOptions) {
    super();
  }

  static async start(o: SupervisorOptions): Promise<CaptureSupervisor> {
    const s = new CaptureSupervisor(o);
    await s.startRun();
    s.watch = setInterval(() => s.check(), WATCH_MS);
    return s;
  }

  get restartCount(): number {
    return this.restarts;
  }

  private async startRun(): Promise<void> {
    this.run++;
    const run = this.run;
    const log = this.o.log.child({ run });
    const tsOffset = run === 0 ? 0 : (Date.now() - this.sessionStartedAt) / 1000;
    const rec = await Recorder.start(this.o.ff, this.o.cfg, this.o.plan(this.withScreen), join(this.o.spoolDir, `run-${run}`), tsOffset, log, this.o.live?.() ?? undefined);
    this.recorder = rec;
    this.runStartedAt = Date.now();
    this.lastProgressAt = this.runStartedAt;
    this.lastFaceAt = this.runStartedAt;
    this.lastPcmAt = this.runStartedAt;
    this.sawProgress = false;
    this.lastDropped = 0;
    await this.o.lock.setFfmpegPid(rec.pid);
    rec.on('segment', (seg) => {
      this.closedBytes += fileSize(seg.path);
      this.emit('segment', { ...seg, run });
    });
    rec.on('face', (f) => {
      this.lastFaceAt = Date.now();
      this.emit('face', f);
    });
    rec.on('pcm', (p) => {
      this.lastPcmAt = Date.now();
      this.emit('pcm', p);
    });
    rec.on('preview', (j) => this.emit('preview', j));
    rec.on('progress', (p) => {
      this.lastProgressAt = Date.now();
      this.sawProgress = true;
      this.lastDropped = p.dropFrames;
      this.onProgress(p);
      const open = newestSegment(rec.spoolDir, rec.announcedFiles);
      this.emit('progress', {
        ...p,
        dropFrames: this.droppedBefore + p.dropFrames,
        run,
        elapsedSec: (Date.now() - this.sessionStartedAt) / 1000,
        bytesWritten: this.closedBytes + (open ? fileSize(open) : 0),
      });
    });
    this.runDone = rec.wait().then((exit) => this.onExit(rec, run, exit));
  }

  private onProgress(p: CaptureProgress): void {
    if (p.speed === null || Date.now() - this.runStartedAt < 5000) return;
    if (p.speed < 0.9) {
      if (++this.slowReports === 3) {
        this.o.faults.raise({ kind: 'encoder.slow', severity: 'warning', message: `the recorder encodes at ${p.speed}x real time; this PC may be too slow for the quality preset`, sessionId: this.o.sessionId });
      }
    } else if (p.speed >= 0.97) {
      this.slowReports = 0;
      this.o.faults.clear('encoder.slow', this.o.sessionId);
    }
  }

  private check(): void {
    if (this.stopping || !this.recorder) return;
    const now = Date.now();
    const c = this.o.cfg.supervisor;
    const sid = this.o.sessionId;
    if (now - this.lastProgressAt > c.stallSeconds * 1000) {
      this.o.faults.raise({ kind: 'recorder.stalled', severity: 'error', message: `the recorder made no progress for ${c.stallSeconds} s; restarting it`, sessionId: sid });
      this.o.log.warn({ run: this.run }, 'ffmpeg stalled; killing it');
      this.lastProgressAt = now;
      this.recorder.kill();
      return;
    }
    const recording = now - this.lastProgressAt < 2500;
    if (recording && now - this.lastFaceAt > c.cameraLostSeconds * 1000) {
      this.o.faults.raise({ kind: 'camera.lost', severity: 'error', message: `no picture from the camera for ${c.cameraLostSeconds} s; screen and sound are still recorded. Check the camera cable.`, sessionId: sid });
    } else if (now - this.lastFaceAt < 1500) {
      this.o.faults.clear('camera.lost', sid);
    }
    if (recording && now - this.lastPcmAt > c.micLostSeconds * 1000) {
      this.o.faults.raise({ kind: 'mic.lost', severity: 'error', message: `no sound from the microphone for ${c.micLostSeconds} s. Check the microphone.`, sessionId: sid });
    } else if (now - this.lastPcmAt < 1500) {
      this.o.faults.clear('mic.lost', sid);
    }
  }

  private async onExit(rec: Recorder, run: number, exit: RecorderExit): Promise<void> {
    if (exit.requested || this.stopping) return;
    const log = this.o.log.child({ run });
    const lived = Date.now() - this.runStartedAt;
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const detail = exit.stderrTail.split('\n').slice(-2).join(' | ');
    const reason = `the recorder (ffmpeg) ${how}${detail ? `: ${detail}` : ''}`;
    log.warn({ lived, reason }, 'ffmpeg ended unexpectedly');
    for (const seg of await salvageOpenSegments(this.o.ff, rec.spoolDir, rec.announcedFiles, log)) {
      this.closedBytes += fileSize(seg.path);
      this.emit('segment', { ...seg, run });
    }
    this.droppedBefore += this.lastDropped;
    if (lived < QUICK_EXIT_MS && this.withScreen && this.o.plan(true).screen && /x11grab|display|xcb/i.test(exit.stderrTail)) {
      this.withScreen = false;
      this.o.faults.raise({ kind: 'screen.failed', severity: 'error', message: `screen capture failed; recording camera and sound only (${detail || how})`, sessionId: this.o.sessionId });
    } else {
      this.o.faults.raise({ kind: 'recorder.crashed', severity: 'error', message: `${reason}; recording resumed`, sessionId: this.o.sessionId });
    }
    if (this.restarts >= this.o.cfg.supervisor.maxRestarts) {
      this.emit('failed', `${reason}; gave up after ${this.restarts} restarts`);
      return;
    }
    this.restarts++;
    // Back off only from runs that never got going (a crash loop), never from a running one.
    if (!this.sawProgress) await new Promise((r) => setTimeout(r, Math.min(5000, 250 * this.restarts)));
    if (this.stopping) return;
    this.emit('restart', { run: run + 1, reason, at: new Date().toISOString() });
    try {
      await this.startRun();
    } catch (err) {
      this.emit('failed', `cannot restart the recorder: ${(err as Error).message}`);
    }
  }

  /** Ends the recording: FFmpeg closes and announces its last segment. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    // A restart may be under way: stop whichever run is current until no new one appeared.
    for (;;) {
      const rec = this.recorder;
      await rec?.stop();
      await this.runDone;
      if (this.recorder === rec) break;
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The segment file FFmpeg is writing now (the newest not yet announced), if any. */
function newestSegment(dir: string, announced: ReadonlySet<string>): string | null {
  try {
    const open = readdirSync(dir).filter((n) => n.endsWith('.ts') && !announced.has(n)).sort();
    return open.length > 0 ? join(dir, open.at(-1)!) : null;
  } catch {
    return null;
  }
}
