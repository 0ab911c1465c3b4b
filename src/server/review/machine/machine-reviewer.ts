import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { generateKeywords } from '../../../core/keywords.js';
import { summarizeFaces } from '../../../core/review/face-summary.js';
import { judgeSession, listenFromSec } from '../../../core/review/machine-rules.js';
import { summarizeSpeech } from '../../../core/review/speech-summary.js';
import { timelineFacts, type TimelineFacts } from '../../../core/review/timeline-facts.js';
import type { FaceEngine } from '../../../engines/face/face-engine.js';
import { sessionKeywords } from '../../../engines/speech/keywords.js';
import type { SpeechEngine } from '../../../engines/speech/speech-engine.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import type { Logger } from '../../../platform/log.js';
import { probeMedia } from '../../../platform/probe.js';
import { DEFAULT_REFUSALS } from '../../../protocol/checks.js';
import type { ConfirmationPhrase } from '../../../protocol/keywords.js';
import type { FaceSummary, MachineReport, SpeechSummary } from '../../../protocol/review.js';
import type { JobHandler } from '../../archive/job-queue.js';
import type { ServerDb } from '../../db/schema.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { MachineReviewListener } from '../ports.js';
import { matchScreenshots } from '../screenshots/screenshot-store.js';
import { workFolder } from '../work-folders.js';
import { cameraRegion } from './camera-region.js';
import { facePass, speechPass } from './media-passes.js';
import type { DbMachineReports } from './report-store.js';
import type { ReviewConfig } from './review-config.js';
import { enrolledDescriptors, faultsDuring, readArchivedInputs } from './session-inputs.js';

/** The engines the machine review runs, made when first needed (and kept for later jobs). */
export interface ReviewEngines {
  face(): Promise<FaceEngine>;
  /** The speech engine, or why there is none (no model configured: never faked). */
  speech(): Promise<SpeechEngine | { unavailable: string; failed: boolean }>;
}

export interface MachineReviewerDeps {
  db: Kysely<ServerDb>;
  store: BlobStore;
  ff: FfmpegInfo;
  workDir: string;
  config: ReviewConfig;
  engines: ReviewEngines;
  reports: DbMachineReports;
  /** Told after each stored report (the review workflow); none: the report is only stored. */
  listener?: MachineReviewListener | undefined;
}

/**
 * The machine review of an archived session (issue 8): the archive re-runs the face and speech
 * engines over recording.mp4 (issue 7's archive side), reads the signed timeline, the manifest's
 * gaps and the booth's faults, and applies the pure rules (core/review/machine-rules.ts). The report
 * is stored (machine_reports) and the listener told. `handler()` is the `machine_review` job.
 */
export class MachineReviewer {
  constructor(
    private readonly deps: MachineReviewerDeps,
    private readonly log: Logger,
  ) {}

  handler(): JobHandler {
    return {
      run: async (sessionId, ctx) => {
        await this.review(sessionId, ctx);
      },
      gaveUp: async (sessionId, message) => {
        await this.storeError(sessionId, message);
      },
    };
  }

  async review(sessionId: string, ctx: { signal: AbortSignal; onProgress: (fraction: number) => void }): Promise<MachineReport> {
    const { db, store, ff, config } = this.deps;
    const t0 = Date.now();
    const inputs = await readArchivedInputs(db, store, sessionId);
    const m = inputs.manifest;
    const work = workFolder(this.deps.workDir, `review-${sessionId}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    try {
      let file = store.localPath(inputs.mp4Key);
      if (!file) {
        file = join(work, 'recording.mp4');
        await pipeline(await store.stream(inputs.mp4Key), createWriteStream(file), { signal: ctx.signal });
      }
      const probe = await probeMedia(ff, file, { signal: ctx.signal });
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const hasAudio = probe.streams.some((s) => s.codec_type === 'audio');
      const mediaDurationSec = probe.format.duration ?? 0;
      const facts = m.timeline ? timelineFacts(m.timeline, config.policy.minWatchedRatio) : null;
      ctx.onProgress(0.02);

      let face: FaceSummary | null = null;
      let faceSkipped: string | null = null;
      let faceEngine: string | null = null;
      if (!video?.width || !video.height) faceSkipped = 'the recording has no video stream';
      else {
        const engine = await this.deps.engines.face();
        faceEngine = engine.name;
        const enrolled = facts?.customer?.source === 'server' ? await enrolledDescriptors(db, facts.customer.customerId) : [];
        const samples = await facePass(engine, {
          ff,
          file,
          region: cameraRegion(video.width, video.height, config.camera),
          everySec: config.faceEverySec,
          matchEverySec: config.matchEverySec,
          enrolled,
          referenceAtSec: enrolled.length === 0 ? (facts?.faceVerifiedAtSec ?? null) : null,
          startSec: video.start_time ?? 0,
          signal: ctx.signal,
          onProgress: (at) => ctx.onProgress(0.02 + 0.78 * Math.min(1, at / Math.max(1, mediaDurationSec))),
        });
        face = summarizeFaces(samples, config.faceEverySec, config.faceThreshold);
        // The sampler could not know the customer while recording: the distances go on the screenshots now.
        if (face.matchedShare !== null) await matchScreenshots(db, sessionId, face, config.matchEverySec / 2 + config.faceEverySec);
      }

      const { speech, speechSkipped, speechFailed, speechEngine } = await this.speech(file, hasAudio, facts, ctx.signal);
      ctx.onProgress(0.95);
      const faults = await faultsDuring(db, inputs.boothId, sessionId, m.startedAt, m.endedAt);
      const judged = judgeSession(
        { timeline: facts, endReason: m.endReason, manifestDurationSec: m.mediaDurationSec, mediaDurationSec, gaps: m.gaps, faults, face, faceSkipped, speech, speechSkipped, speechFailed },
        config.policy,
      );
      const report: MachineReport = {
        v: 1,
        sessionId,
        verdict: judged.verdict,
        findings: judged.findings,
        durationSec: mediaDurationSec,
        disclosure: facts ? { rounds: facts.disclosure.rounds, completed: facts.disclosure.completed, startedAtSec: facts.disclosure.startedAtSec, endedAtSec: facts.disclosure.endedAtSec } : { rounds: 0, completed: false, startedAtSec: null, endedAtSec: null },
        face,
        speech,
        booth: facts?.booth ?? { face: null, speech: null },
        gaps: m.gaps.map((g) => ({ startSec: g.startSec, durationSec: g.durationSec })),
        faults,
        engines: { face: faceEngine, speech: speechEngine },
        sourceSha256: inputs.mp4Sha256,
        createdAt: new Date().toISOString(),
      };
      await this.finish(report);
      this.log.info({ sessionId, verdict: report.verdict, findings: report.findings.map((f) => f.code), mediaDurationSec, wallSec: (Date.now() - t0) / 1000 }, 'machine review done');
      return report;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async speech(file: string, hasAudio: boolean, facts: TimelineFacts | null, signal: AbortSignal): Promise<{ speech: SpeechSummary | null; speechSkipped: string | null; speechFailed: boolean; speechEngine: string | null }> {
    const skip = (why: string, failed = false) => ({ speech: null, speechSkipped: why, speechFailed: failed, speechEngine: null });
    if (!hasAudio) return skip('the recording has no audio', true);
    const phrases: ConfirmationPhrase[] = (facts?.phrases ?? []).map((p) => ({ id: p.id, text: p.text, keywords: generateKeywords(p.text) }));
    if (phrases.length === 0) return skip('no confirmation phrases are known for this session (no productChosen in the timeline)');
    const engine = await this.deps.engines.speech();
    if ('unavailable' in engine) return skip(engine.unavailable, engine.failed);
    const r = await speechPass(engine, sessionKeywords(phrases, DEFAULT_REFUSALS), { ff: this.deps.ff, file, signal });
    const summary = summarizeSpeech(r.hits, r.utterances, phrases, listenFromSec(facts, this.deps.config.policy));
    return { speech: summary, speechSkipped: null, speechFailed: false, speechEngine: engine.name };
  }

  /** Stores a report saying the machine review could not run (people must look), and tells the listener. */
  async storeError(sessionId: string, message: string): Promise<void> {
    const a = await this.deps.db.selectFrom('archives').select(['mp4_sha256', 'duration_sec']).where('session_id', '=', sessionId).executeTakeFirst();
    const report: MachineReport = {
      v: 1,
      sessionId,
      verdict: 'needs_review',
      findings: [{ code: 'machine_review_error', severity: 'review', message: `the machine review failed: ${message}`.slice(0, 500), atSec: null, endSec: null }],
      durationSec: Number(a?.duration_sec ?? 0),
      disclosure: { rounds: 0, completed: false, startedAtSec: null, endedAtSec: null },
      face: null,
      speech: null,
      booth: { face: null, speech: null },
      gaps: [],
      faults: [],
      engines: { face: null, speech: null },
      sourceSha256: a?.mp4_sha256 ?? '0'.repeat(64),
      createdAt: new Date().toISOString(),
    };
    await this.finish(report);
    this.log.warn({ sessionId, message }, 'machine review gave up; stored a report asking for a person');
  }

  private async finish(report: MachineReport): Promise<void> {
    await this.deps.reports.put(report);
    await this.deps.listener?.machineReviewed(report.sessionId, report);
  }
}
