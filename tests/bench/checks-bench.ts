// npm run bench:checks [-- --seconds 30 --frames 20]
//
// What the face and speech checks cost on this machine, and whether capture keeps real time while
// they run. Runs the compiled code in dist/ (the npm script builds it first).
//  1. Face engine (face-api, tfjs wasm, worker thread) on the booth's 320x240 gray face-tap frames
//     of four demo-photo faces: ms per frame of the fast detector (presence) and of the full
//     verification (SSD + landmarks + 128-d descriptor), as the worker measures it and as the
//     caller waits for it (round trip).
//  2. Speech engine (sherpa-onnx KWS + Silero VAD) on 60 s of audio (espeak-ng phrases between
//     silence and noise) pushed in 100 ms chunks: real-time factor = processing time / audio time.
//  3. A real booth session (server + booth from dist/, fake screen 1280x720 + camera showing a face
//     photo + microphone playing the phrases): first capture alone (baseline), then capture with
//     the checks running. Per run: FFmpeg speed (-progress), FFmpeg CPU and booth-process CPU
//     (main thread + face worker + speech) in % of one core from /proc, and what the machine's
//     other processes used (contention).
// Prints JSON, then a short table with the targets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, frames: { type: 'string', default: '20' } } });
const SECONDS = Number(values.seconds);
const FRAMES = Number(values.frames);
const dist = (p: string) => pathToFileURL(join(import.meta.dirname, '../../dist', p)).href;
const helper = (p: string) => pathToFileURL(join(import.meta.dirname, '../helpers', p)).href;

const { WorkerFaceEngine } = (await import(dist('engines/face/worker-face-engine.js'))) as typeof import('../../src/engines/face/worker-face-engine.js');
const { SherpaSpeechEngine } = (await import(dist('engines/speech/sherpa-speech-engine.js'))) as typeof import('../../src/engines/speech/sherpa-speech-engine.js');
const { Server } = (await import(dist('server/server.js'))) as typeof import('../../src/server/server.js');
const { parseServerConfig } = (await import(dist('server/config.js'))) as typeof import('../../src/server/config.js');
const { Booth } = (await import(dist('booth/booth.js'))) as typeof import('../../src/booth/booth.js');
const { parseBoothConfig } = (await import(dist('booth/config.js'))) as typeof import('../../src/booth/config.js');
const { createLogger } = (await import(dist('platform/log.js'))) as typeof import('../../src/platform/log.js');
const { pinyinUnits, generateKeywords } = (await import(dist('core/keywords.js'))) as typeof import('../../src/core/keywords.js');
const faces = (await import(helper('faces.ts'))) as typeof import('../helpers/faces.js');
const speech = (await import(helper('speech.ts'))) as typeof import('../helpers/speech.js');

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const KWS = resolve(import.meta.dirname, '../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: r1(pct(s, 50)), p95: r1(pct(s, 95)), mean: r1(s.reduce((a, b) => a + b, 0) / s.length) };
};

/** utime + stime of a process (all its threads), seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
function machineBusySeconds(): number {
  const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (cols.reduce((a, b) => a + b, 0) - (cols[3] ?? 0) - (cols[4] ?? 0)) / CLK_TCK;
}
/** The ffmpeg child of this process (the booth's recorder). */
function ffmpegPid(): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && stat.includes('(ffmpeg)')) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

async function faceBench() {
  const engine = await WorkerFaceEngine.create();
  try {
    const frames = Object.values(faces.FACES).map((f) => faces.boothView(f));
    const run = async (op: 'detect' | 'analyze') => {
      const own: number[] = [];
      const trip: number[] = [];
      for (let i = 0; i < FRAMES + 2; i++) {
        const t0 = performance.now();
        const r = await engine[op](frames[i % frames.length]!);
        if (i < 2) continue; // warm-up
        trip.push(performance.now() - t0);
        own.push(r.ms);
      }
      return { engineMs: stats(own), roundTripMs: stats(trip) };
    };
    return { engine: engine.name, frame: '320x240 gray', detector: await run('detect'), verification: await run('analyze') };
  } finally {
    await engine.close();
  }
}

function speechAudio(): Buffer {
  const parts: Buffer[] = [];
  const say = ['我确认购买', '本人已阅读并理解风险提示', '我不同意这个条款', '今天天气很好'];
  for (let i = 0; parts.reduce((a, b) => a + b.length, 0) < 60 * 32000; i++) {
    parts.push(speech.silence(2), speech.synthesize(say[i % say.length]!), speech.noise(3, 'pink'));
  }
  return Buffer.concat(parts).subarray(0, 60 * 32000);
}

function speechBench(audio: Buffer) {
  const engine = SherpaSpeechEngine.create({ kwsModelDir: KWS });
  const s = engine.createStream([
    { phraseId: 'buy', label: '我确认购买', tokens: pinyinUnits('我确认购买') },
    { phraseId: 'refusal', label: '我不同意', tokens: pinyinUnits('我不同意') },
  ]);
  let utterances = 0;
  for (let i = 0; i < audio.length; i += 3200) utterances += s.push(audio.subarray(i, i + 3200)).length;
  utterances += s.flush().length;
  return { engine: engine.name, audioSec: s.seconds, busyMs: r1(s.busyMs), rtf: Math.round((s.busyMs / 1000 / s.seconds) * 1000) / 1000, utterances };
}

async function sessionBench(dir: string, withChecks: boolean, enrolled: number[]) {
  const server = await Server.create(parseServerConfig({ dataDir: join(dir, `server-${withChecks}`), port: 0, jobPollMs: 200 }), { log: createLogger('server', 'silent') });
  const url = await server.listen();
  const { code } = await server.ingest.createEnrollmentCode(1);
  const booth = await Booth.create(
    parseBoothConfig({
      dataDir: join(dir, `booth-${withChecks}`),
      server: { url, enrollmentCode: code },
      bridge: { enabled: false },
      capture: { screen: 'fake', fake: { cameraImage: join(dir, 'face.jpg'), micAudio: join(dir, 'speech.wav') } },
      checks: { speech: { kwsModelDir: KWS } },
    }),
    { log: createLogger('booth', 'silent') },
  );
  try {
    await booth.handle({ type: 'startSession', productId: 'bench' });
    await sleep(3000);
    if (withChecks) {
      await booth.handle({ type: 'startChecks', enrolledDescriptors: [enrolled], phrases: [{ id: 'buy', text: '我确认购买', keywords: generateKeywords('我确认购买') }] });
      await booth.handle({ type: 'disclosureEnded' });
    }
    await sleep(2000);
    const ff = ffmpegPid();
    if (!ff) throw new Error('no ffmpeg child found');
    const c0 = { ff: cpuSeconds(ff), node: cpuSeconds(process.pid), machine: machineBusySeconds(), t: performance.now() };
    const speeds: number[] = [];
    for (let i = 0; i < SECONDS; i++) {
      await sleep(1000);
      const st = await booth.state();
      if (st.session?.recording?.speed) speeds.push(st.session.recording.speed);
    }
    const wall = (performance.now() - c0.t) / 1000;
    const ffCpu = (cpuSeconds(ff) - c0.ff) / wall;
    const nodeCpu = (cpuSeconds(process.pid) - c0.node) / wall;
    const machine = (machineBusySeconds() - c0.machine) / wall;
    const checks = withChecks ? await booth.handle({ type: 'getChecks' }) : null;
    await booth.handle({ type: 'stopSession' });
    return {
      checks: withChecks,
      seconds: r1(wall),
      ffmpegSpeedMin: Math.min(...speeds),
      ffmpegSpeedLast: speeds.at(-1) ?? null,
      ffmpegCpuPercent: r1(ffCpu * 100),
      boothProcessCpuPercent: r1(nodeCpu * 100),
      otherCpuPercent: r1((machine - ffCpu - nodeCpu) * 100),
      events: checks && 'events' in checks ? checks.events.length : null,
      passed: checks && 'view' in checks ? checks.view.passed : null,
    };
  } finally {
    await booth.close();
    await server.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dualrec-checks-bench-'));
try {
  const face = await faceBench();
  const audio = speechAudio();
  const sp = speechBench(audio);
  faces.writeCameraImage(faces.FACES.a, join(dir, 'face.jpg'));
  speech.writeWav(join(dir, 'speech.wav'), Buffer.concat([speech.silence(3), speech.synthesize('我确认购买'), speech.silence(3), speech.noise(2)]));
  const eng = await WorkerFaceEngine.create();
  const enrolled = (await eng.analyze(faces.enrollmentPhoto(faces.FACES.a))).faces[0]!.descriptor;
  await eng.close();
  const baseline = await sessionBench(dir, false, enrolled);
  const withChecks = await sessionBench(dir, true, enrolled);
  const env = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, seconds: SECONDS, frames: FRAMES };
  console.log(JSON.stringify({ env, face, speech: sp, capture: { baseline, withChecks } }, null, 2));
  const row = (a: string, b: string, c: string) => console.log(`${a.padEnd(50)} ${b.padEnd(18)} ${c}`);
  row('measure', 'result', 'target');
  row('presence (tiny detector), ms/frame p50/p95', `${face.detector.engineMs.p50} / ${face.detector.engineMs.p95}`, '<= 120');
  row('verification (SSD+landmarks+descriptor) ms', `${face.verification.engineMs.p50} / ${face.verification.engineMs.p95}`, '<= 700');
  row('speech real-time factor (KWS + VAD)', String(sp.rtf), '<= 0.1');
  row('capture speed min, alone / with checks', `${baseline.ffmpegSpeedMin} / ${withChecks.ffmpegSpeedMin}`, '>= 0.98');
  row('ffmpeg CPU %, alone / with checks', `${baseline.ffmpegCpuPercent} / ${withChecks.ffmpegCpuPercent}`, '');
  row('booth process CPU % (checks incl.), alone / with', `${baseline.boothProcessCpuPercent} / ${withChecks.boothProcessCpuPercent}`, '');
  row('other processes CPU %, alone / with', `${baseline.otherCpuPercent} / ${withChecks.otherCpuPercent}`, '(contention)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
