// npm run bench:archive [-- --minutes 10 --width 1280 --height 720 --fps 15]
//
// Finalize speed: a session of `--minutes` of 720p media (FFmpeg test pattern with a camera inset
// and a tone, encoded as the booth records, sealed by the booth's sealer and ingested by the
// server's IngestService; untimed) is finalized by the real Archiver: verify, decrypt, join,
// remux, decode check, then the one derive pass (final video with burned-in timestamp and
// watermark, audio copy, thumbnails) and write-once storage with hashes. Reported as a multiple of
// real time, by wall clock and per core (media seconds / CPU seconds of this process and its FFmpeg
// children). Baselines in the same run: a plain FFmpeg transcode of the same recording with the
// same encoder settings and no overlays, and the bare decrypt + join of the sealed segments.
// Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { dist, distSessionCode, measure, round } = (await import(pathToFileURL(join(import.meta.dirname, 'lib/dist-session.ts')).href)) as typeof import('./lib/dist-session.js');
const code = await distSessionCode();
const { openArchiveStore } = (await import(dist('server/archive-store.js'))) as typeof import('../../src/server/archive-store.js');
const { IngestService } = (await import(dist('server/ingest/ingest-service.js'))) as typeof import('../../src/server/ingest/ingest-service.js');
const { segmentKey } = (await import(dist('server/ingest/views.js'))) as typeof import('../../src/server/ingest/views.js');
const { Archiver } = (await import(dist('server/archive/archiver.js'))) as typeof import('../../src/server/archive/archiver.js');
const { FinalizeConfig } = (await import(dist('server/archive/finalize-config.js'))) as typeof import('../../src/server/archive/finalize-config.js');
const { deriveLayout } = (await import(dist('server/archive/render/derive-args.js'))) as typeof import('../../src/server/archive/render/derive-args.js');
const { boothBranchWatermark } = (await import(dist('server/archive/watermark.js'))) as typeof import('../../src/server/archive/watermark.js');
const { resolveFfmpeg } = (await import(dist('platform/ffmpeg.js'))) as typeof import('../../src/platform/ffmpeg.js');
const { runFfmpeg } = (await import(dist('platform/ffmpeg-run.js'))) as typeof import('../../src/platform/ffmpeg-run.js');
const { createLogger } = (await import(dist('platform/log.js'))) as typeof import('../../src/platform/log.js');
const { openSegment } = (await import(dist('core/envelope.js'))) as typeof import('../../src/core/envelope.js');
const { recordMediaSession } = (await import(pathToFileURL(join(import.meta.dirname, '../helpers/media-session.ts')).href)) as typeof import('../helpers/media-session.js');

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, width: { type: 'string', default: '1280' }, height: { type: 'string', default: '720' }, fps: { type: 'string', default: '15' } } });
const SECONDS = Math.round(Number(values.minutes) * 60);
const WIDTH = Number(values.width);
const HEIGHT = Number(values.height);
const FPS = Number(values.fps);
const TARGET = 3;


async function main(): Promise<void> {
  const silent = createLogger('bench', 'silent');
  const ff = await resolveFfmpeg();
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-archive-'));
  const archive = await openArchiveStore(join(dir, 'server'), { create: true });
  try {
    const load0 = loadavg()[0]!;
    const ingest = new IngestService(archive.db, archive.store, archive.keys, silent);
    const session = await recordMediaSession(code, ff, ingest, dir, { seconds: SECONDS, width: WIDTH, height: HEIGHT, fps: FPS });
    const media = session.manifest.mediaDurationSec;
    const cfg = FinalizeConfig.parse({});

    // The finalize, as the archive worker runs it.
    const archiver = new Archiver({ ...archive, ff, workDir: join(dir, 'work'), finalize: cfg, watermark: boothBranchWatermark(archive.db) }, silent);
    const fin = await measure(() => archiver.finalize(session.sessionId));
    const report = fin.value!;

    // Baseline 1: the same recording, same encoder settings, no overlays, no other outputs.
    const recording = archive.store.localPath(report.recording.key)!;
    const L = deriveLayout(WIDTH, HEIGHT, cfg.maxHeight);
    const scale = L.width !== WIDTH || L.height !== HEIGHT ? ['-vf', `scale=${L.width}:${L.height}`] : [];
    const plain = await measure(() =>
      runFfmpeg(
        ff,
        ['-threads', '1', '-i', recording, '-filter_threads', '1', ...scale, '-vsync', 'passthrough', '-map', '0:v:0', '-map', '0:a:0', '-c:a', 'copy',
          '-c:v', 'libx264', '-threads', '1', '-preset', cfg.preset, '-crf', String(cfg.crf), '-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*4)', '-enc_time_base:v', '-1',
          '-movflags', '+faststart', '-y', join(dir, 'plain.mp4')],
        { what: 'baseline transcode', timeoutMs: 60 * 60_000 },
      ),
    );

    // Baseline 2: bare decrypt + join (unwrap the key, open each sealed segment, append).
    const joinOnly = await measure(async () => {
      const key = await archive.keys.unwrap(session.manifest.keyWrap);
      const out = await open(join(dir, 'joined-only.ts'), 'w');
      let bytes = 0;
      try {
        for (const s of session.manifest.segments) {
          const { plaintext } = openSegment(key, await archive.store.get(segmentKey(session.sessionId, s.seq)));
          await out.write(plaintext);
          bytes += plaintext.length;
        }
      } finally {
        await out.close();
      }
      return bytes;
    });

    const outputs = report.derived.map((d) => ({ kind: d.kind, bytes: d.bytes, durationSec: d.durationSec, kbps: d.durationSec ? round((d.bytes * 8) / d.durationSec / 1000, 0) : null, sha256: `${d.sha256.slice(0, 12)}…` }));
    const speed = media / fin.wall;
    const perCore = media / fin.cpu;
    const result = {
      bench: 'archive',
      session: { mediaSec: round(media, 3), width: WIDTH, height: HEIGHT, fps: FPS, segments: session.manifest.segments.length, recordingBytes: report.recording.bytes },
      finalize: {
        wallSec: round(fin.wall),
        speedX: round(speed),
        cpuSec: round(fin.cpu),
        speedPerCoreX: round(perCore),
        phasesWallSec: Object.fromEntries(Object.entries(report.seconds).map(([k, v]) => [k, round(v)])),
        renderPassSpeedX: round(media / report.seconds.render),
      },
      outputs,
      durationErrorSec: Object.fromEntries(report.derived.filter((d) => d.durationSec !== null).map((d) => [d.kind, round(Math.abs(d.durationSec! - media), 3)])),
      baseline: {
        plainTranscode: { wallSec: round(plain.wall), cpuSec: round(plain.cpu), speedX: round(media / plain.wall), speedPerCoreX: round(media / plain.cpu) },
        decryptJoin: { wallSec: round(joinOnly.wall), cpuSec: round(joinOnly.cpu), MBps: round(joinOnly.value / 1e6 / joinOnly.wall, 1) },
      },
      finalizeCpuVsPlainTranscode: round(fin.cpu / plain.cpu),
      target: { speedPerCoreAtLeast: TARGET },
      met: perCore >= TARGET,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadavgBefore: round(load0), loadavgAfter: round(loadavg()[0]!), ffmpeg: ff.version, node: process.version },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`finalize of a ${round(media / 60, 1)}-minute ${WIDTH}x${HEIGHT} ${FPS} fps session (x264 ${cfg.preset} crf ${cfg.crf}, one thread)`);
    console.log(`  finalize           ${String(result.finalize.wallSec).padStart(7)} s wall  ${String(result.finalize.cpuSec).padStart(7)} s CPU   ${result.finalize.speedX}x real time (wall), ${result.finalize.speedPerCoreX}x per core`);
    console.log(`  plain transcode    ${String(result.baseline.plainTranscode.wallSec).padStart(7)} s wall  ${String(result.baseline.plainTranscode.cpuSec).padStart(7)} s CPU   ${result.baseline.plainTranscode.speedX}x (wall), ${result.baseline.plainTranscode.speedPerCoreX}x per core`);
    console.log(`  decrypt + join     ${String(result.baseline.decryptJoin.wallSec).padStart(7)} s wall  ${String(result.baseline.decryptJoin.cpuSec).padStart(7)} s CPU   ${result.baseline.decryptJoin.MBps} MB/s`);
    console.log(`  phases (wall s)    ${Object.entries(result.finalize.phasesWallSec).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const o of outputs) console.log(`  ${o.kind.padEnd(17)}  ${String(o.bytes).padStart(11)} bytes${o.kbps !== null ? `  ${o.kbps} kb/s  ${o.durationSec} s` : ''}`);
    console.log(`  target >= ${TARGET}x per core: ${result.met ? 'met' : 'NOT met'} (load average ${result.machine.loadavgBefore} -> ${result.machine.loadavgAfter} on ${result.machine.cpus} CPUs)`);
  } finally {
    await archive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
