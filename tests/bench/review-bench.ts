// npm run bench:review [-- --minutes 2]
//
// Machine review speed (issue 8): a session of `--minutes` recorded the booth's way (a face photo as
// the camera inset on a 720p screen, espeak-ng confirmation on the microphone, the kiosk timeline;
// sealed, ingested and finalized: untimed) is reviewed by the real MachineReviewer: face pass
// (1 fps detector, a descriptor every 5 s) and speech pass (the KWS model of the tests), rules,
// report. Reported against the recording's duration and, as baselines in the same run, a raw FFmpeg
// decode of the same recording.mp4 and the face pass's FFmpeg part alone (decode, select, crop).
// Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { dist, distSessionCode, measure, round } = (await import(pathToFileURL(join(import.meta.dirname, 'lib/dist-session.ts')).href)) as typeof import('./lib/dist-session.js');
const code = await distSessionCode();
const helper = (p: string) => pathToFileURL(join(import.meta.dirname, '../helpers', p)).href;
const { openArchiveStore } = (await import(dist('server/archive-store.js'))) as typeof import('../../src/server/archive-store.js');
const { IngestService } = (await import(dist('server/ingest/ingest-service.js'))) as typeof import('../../src/server/ingest/ingest-service.js');
const { Archiver } = (await import(dist('server/archive/archiver.js'))) as typeof import('../../src/server/archive/archiver.js');
const { FinalizeConfig } = (await import(dist('server/archive/finalize-config.js'))) as typeof import('../../src/server/archive/finalize-config.js');
const { boothBranchWatermark } = (await import(dist('server/archive/watermark.js'))) as typeof import('../../src/server/archive/watermark.js');
const { MachineReviewer } = (await import(dist('server/review/machine/machine-reviewer.js'))) as typeof import('../../src/server/review/machine/machine-reviewer.js');
const { ServerEngines } = (await import(dist('server/review/machine/review-engines.js'))) as typeof import('../../src/server/review/machine/review-engines.js');
const { DbMachineReports } = (await import(dist('server/review/machine/report-store.js'))) as typeof import('../../src/server/review/machine/report-store.js');
const { ReviewConfig } = (await import(dist('server/review/machine/review-config.js'))) as typeof import('../../src/server/review/machine/review-config.js');
const { cameraFilter, cameraRegion } = (await import(dist('server/review/machine/camera-region.js'))) as typeof import('../../src/server/review/machine/camera-region.js');
const { resolveFfmpeg } = (await import(dist('platform/ffmpeg.js'))) as typeof import('../../src/platform/ffmpeg.js');
const { runFfmpeg } = (await import(dist('platform/ffmpeg-run.js'))) as typeof import('../../src/platform/ffmpeg-run.js');
const { createLogger } = (await import(dist('platform/log.js'))) as typeof import('../../src/platform/log.js');
const { recordMediaSession } = (await import(helper('media-session.ts'))) as typeof import('../helpers/media-session.js');
const { flowTimeline, writeCameraVideo } = (await import(helper('review-session.ts'))) as typeof import('../helpers/review-session.js');
const { writeCameraImage, FACES } = (await import(helper('faces.ts'))) as typeof import('../helpers/faces.js');
const { KWS_MODEL_DIR, writeMicTrack } = (await import(helper('speech.ts'))) as typeof import('../helpers/speech.js');

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' } } });
const SECONDS = Math.round(Number(values.minutes) * 60);


async function main(): Promise<void> {
  const silent = createLogger('bench', 'silent');
  const ff = await resolveFfmpeg();
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-review-'));
  const archive = await openArchiveStore(join(dir, 'server'), { create: true });
  const engines = new ServerEngines(KWS_MODEL_DIR, silent);
  try {
    const load0 = loadavg()[0]!;
    writeCameraImage(FACES.a, join(dir, 'a.jpg'));
    writeCameraVideo(join(dir, 'cam.mp4'), [{ image: join(dir, 'a.jpg'), seconds: SECONDS + 2 }]);
    writeMicTrack(join(dir, 'mic.wav'), SECONDS + 2, 12);
    const ingest = new IngestService(archive.db, archive.store, archive.keys, silent);
    const session = await recordMediaSession(code, ff, ingest, dir, {
      seconds: SECONDS,
      camera: join(dir, 'cam.mp4'),
      micAudio: join(dir, 'mic.wav'),
      timeline: (startedAt, sessionId) => flowTimeline({ startedAt, sessionId, disclosure: { atSec: 3, durationSec: 8 }, face: { atSec: 2, passed: true, source: 'engine', distance: 0.3 }, speech: { atSec: 18, passed: true, source: 'engine' } }),
    });
    const media = session.manifest.mediaDurationSec;
    const fin = await new Archiver({ ...archive, ff, workDir: join(dir, 'work'), finalize: FinalizeConfig.parse({}), watermark: boothBranchWatermark(archive.db) }, silent).finalize(session.sessionId);
    const recording = archive.store.localPath(fin!.recording.key)!;
    const config = ReviewConfig.parse({ kwsModelDir: KWS_MODEL_DIR });
    await engines.face();
    const reviewer = new MachineReviewer({ db: archive.db, store: archive.store, ff, workDir: join(dir, 'work'), config, engines, reports: new DbMachineReports(archive.db) }, silent);
    const review = await measure(() => reviewer.review(session.sessionId, { signal: new AbortController().signal, onProgress: () => undefined }));

    const decode = await measure(() => runFfmpeg(ff, ['-i', recording, '-f', 'null', '-'], { what: 'raw decode', timeoutMs: 3600_000 }));
    const cam = cameraFilter(cameraRegion(1280, 720, config.camera));
    const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,0.999)'`;
    const faceDecode = await measure(() => runFfmpeg(ff, ['-i', recording, '-an', '-vf', `${select},${cam.filter}`, '-fps_mode', 'passthrough', '-f', 'null', '-'], { what: 'face pass decode', timeoutMs: 3600_000 }));

    const r = review.value;
    const result = {
      bench: 'review',
      session: { mediaSec: round(media, 3), width: 1280, height: 720, fps: 15, faceSamples: r.face?.samples.length ?? 0, measured: r.face?.samples.filter((s) => s.distance !== null).length ?? 0 },
      machineReview: { wallSec: round(review.wall), cpuSec: round(review.cpu), speedX: round(media / review.wall), speedPerCoreX: round(media / review.cpu), verdict: r.verdict, findings: r.findings.map((f) => f.code) },
      baseline: {
        rawDecode: { wallSec: round(decode.wall), cpuSec: round(decode.cpu), speedX: round(media / decode.wall) },
        facePassDecodeOnly: { wallSec: round(faceDecode.wall), cpuSec: round(faceDecode.cpu), speedX: round(media / faceDecode.wall) },
      },
      reviewVsRawDecode: round(review.wall / decode.wall),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadavgBefore: round(load0), loadavgAfter: round(loadavg()[0]!), ffmpeg: ff.version, node: process.version },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`machine review of a ${round(media / 60, 1)}-minute 1280x720 session (face 1/s, descriptor every 5 s, KWS speech pass)`);
    console.log(`  machine review     ${String(result.machineReview.wallSec).padStart(7)} s wall  ${String(result.machineReview.cpuSec).padStart(7)} s CPU   ${result.machineReview.speedX}x real time (wall), ${result.machineReview.speedPerCoreX}x per core; ${r.verdict}`);
    console.log(`  raw decode         ${String(result.baseline.rawDecode.wallSec).padStart(7)} s wall  ${String(result.baseline.rawDecode.cpuSec).padStart(7)} s CPU   ${result.baseline.rawDecode.speedX}x`);
    console.log(`  face decode only   ${String(result.baseline.facePassDecodeOnly.wallSec).padStart(7)} s wall  ${String(result.baseline.facePassDecodeOnly.cpuSec).padStart(7)} s CPU   ${result.baseline.facePassDecodeOnly.speedX}x`);
    console.log(`  review / raw decode: ${result.reviewVsRawDecode}x (load average ${result.machine.loadavgBefore} -> ${result.machine.loadavgAfter} on ${result.machine.cpus} CPUs)`);
  } finally {
    await engines.close();
    await archive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
