// npm run bench:sfu [-- --max-rooms 96 --seconds 5]
//
// How many remote-assistance rooms one mediasoup worker forwards with packet loss under 1%. A room
// is a booth publishing 720p H264 + Opus (what the booth's FFmpeg sends) and a staff member
// publishing 480p VP8 + Opus; the staff member receives the booth's two streams and the kiosk the
// staff member's two. FFmpeg encodes each stream once; the bench replays the recorded RTP to every
// room (plain RTP in; consumers send SRTP out, so the worker pays for encryption on the way out),
// and counts what comes back per SSRC. Rooms are added in steps until loss reaches 1% or
// `--max-rooms`. Baseline in the same run: the same traffic sent straight to the receivers without
// the SFU (the host's own loss at that packet rate). Prints JSON, then a short table.
// Runs the compiled code in dist/ (the script builds it first).
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { types } from 'mediasoup';
import type * as PoolModule from '../../src/server/sfu/worker-pool.js';
import type * as LogModule from '../../src/platform/log.js';
import type * as FfmpegModule from '../../src/platform/ffmpeg.js';
import type * as RtpModule from './sfu-rtp.js';
import type { RecordedStream, Receiver, Replayer, StreamSpec } from './sfu-rtp.js';

// Node runs this file with type stripping: the sibling helper is loaded by its .ts name at run time.
const { Receiver: ReceiverImpl, recordStreams, Replayer: ReplayerImpl } = (await import(new URL('./sfu-rtp.ts', import.meta.url).href)) as typeof RtpModule;

const dist = resolve(import.meta.dirname, '../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;
const { values } = parseArgs({ options: { 'max-rooms': { type: 'string', default: '96' }, seconds: { type: 'string', default: '5' } } });
const MAX_ROOMS = Number(values['max-rooms']);
const WINDOW_MS = Number(values.seconds) * 1000;
const STEPS = [1, 2, 4, 8, 16, 24, 32, 40, 48, 64, 80, 96, 128].filter((n) => n <= MAX_ROOMS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

const opus = (ssrc: number): StreamSpec => ({ name: 'opus', ssrc, payloadType: 111, clockRate: 48000, ffmpegArgs: ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'libopus', '-application', 'voip', '-b:a', '48k', '-ar', '48000', '-ac', '2'] });
const SPECS: StreamSpec[] = [
  { name: 'booth 720p H264', ssrc: 1111, payloadType: 102, clockRate: 90000, ffmpegArgs: ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=15', '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '15', '-b:v', '1500k', '-maxrate', '1800k', '-bufsize', '1500k'] },
  { ...opus(2222), name: 'booth Opus' },
  { name: 'staff 480p VP8', ssrc: 3333, payloadType: 101, clockRate: 90000, ffmpegArgs: ['-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-b:v', '600k', '-pix_fmt', 'yuv420p'] },
  { ...opus(4444), name: 'staff Opus' },
];

const CODECS = {
  h264: { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
  vp8: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 },
  opus: { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 },
};

async function addRoom(pool: PoolModule.WorkerPool, recorded: RecordedStream[], replay: Replayer, recv: Receiver): Promise<void> {
  const { router } = await pool.createRouter({ bench: true });
  const listenIp = { ip: '127.0.0.1' };
  const produceAll = async (specs: [RecordedStream, types.RtpCodecParameters, 'audio' | 'video'][]) => {
    const t = await router.createPlainTransport({ listenIp, rtcpMux: true, comedia: true });
    const producers = [];
    for (const [s, codec, kind] of specs) producers.push(await t.produce({ kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc: s.ssrc }] } }));
    replay.add(t.tuple.localPort, specs.map(([s]) => s));
    return producers;
  };
  const [bv, ba, sv, sa] = recorded as [RecordedStream, RecordedStream, RecordedStream, RecordedStream];
  const booth = await produceAll([[bv, CODECS.h264, 'video'], [ba, CODECS.opus, 'audio']]);
  const staff = await produceAll([[sv, CODECS.vp8, 'video'], [sa, CODECS.opus, 'audio']]);
  for (const producers of [booth, staff]) {
    const out = await router.createPlainTransport({ listenIp, rtcpMux: true, comedia: false, enableSrtp: true });
    await out.connect({ ip: '127.0.0.1', port: recv.port, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: randomBytes(30).toString('base64') } });
    for (const p of producers) {
      const c = await out.consume({ producerId: p.id, rtpCapabilities: router.rtpCapabilities });
      recv.expect(c.rtpParameters.encodings![0]!.ssrc!);
    }
  }
}

async function measure(recv: Receiver, cpu: () => Promise<number>): Promise<{ lossPct: number; packetsPerSec: number; cpuPct: number }> {
  recv.mark();
  const cpu0 = await cpu();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const w = recv.window();
  const ms = performance.now() - t0;
  const cpuPct = ((await cpu()) - cpu0) / ms * 100;
  return { lossPct: w.expected > 0 ? ((w.expected - w.received) / w.expected) * 100 : 100, packetsPerSec: w.received / (ms / 1000), cpuPct };
}

async function main(): Promise<void> {
  const { WorkerPool } = await load<typeof PoolModule>('server/sfu/worker-pool.js');
  const { createLogger } = await load<typeof LogModule>('platform/log.js');
  const { resolveFfmpeg } = await load<typeof FfmpegModule>('platform/ffmpeg.js');
  const ff = await resolveFfmpeg(null);
  const recorded = await recordStreams(ff.ffmpeg, SPECS, 4);
  const kbps = Object.fromEntries(recorded.map((s) => [s.name, round(s.packets.reduce((n, p) => n + p.buf.length, 0) * 8 / s.durationMs, 0)]));

  const pool = await WorkerPool.create({ workers: 1, rtcMinPort: 48000, rtcMaxPort: 48999, logLevel: 'error' }, createLogger('bench', 'silent'));
  const replay = await ReplayerImpl.create();
  const recv = await ReceiverImpl.create();
  const cpu = async () => (await pool.usage())[0]!.cpuMs;
  const levels: { rooms: number; lossPct: number; packetsPerSecOut: number; workerCpuPct: number }[] = [];
  let rooms = 0;
  try {
    for (const target of STEPS) {
      while (rooms < target) {
        await addRoom(pool, recorded, replay, recv);
        rooms++;
      }
      await sleep(2500); // every new consumer has had a keyframe
      const m = await measure(recv, cpu);
      levels.push({ rooms, lossPct: round(m.lossPct, 3), packetsPerSecOut: round(m.packetsPerSec, 0), workerCpuPct: round(m.cpuPct, 1) });
      if (m.lossPct >= 1) break;
    }
  } finally {
    replay.close();
    recv.close();
    await pool.close();
  }

  // Baseline: the same outgoing traffic for the last level, sent straight to a receiver.
  const direct = await ReplayerImpl.create();
  const drecv = await ReceiverImpl.create();
  for (let i = 0; i < rooms; i++) {
    const streams = recorded.map((s) => {
      const ssrc = s.ssrc + (i + 1) * 100_000;
      drecv.expect(ssrc);
      return { ...s, ssrc, packets: s.packets.map((p) => {
        const buf = Buffer.from(p.buf);
        buf.writeUInt32BE(ssrc, 8);
        return { atMs: p.atMs, buf };
      }) };
    });
    direct.add(drecv.port, streams);
  }
  await sleep(1000);
  const base = await measure(drecv, async () => 0);
  direct.close();
  drecv.close();

  const ok = levels.filter((l) => l.lossPct < 1);
  const result = {
    bench: 'sfu',
    mediasoup: pool.version,
    worker: pool.binary,
    machine: { cores: availableParallelism(), loadavg1m: round(loadavg()[0]!) },
    room: { publish: 'booth 720p H264 + Opus, staff 480p VP8 + Opus', receive: 'staff gets booth video+audio, kiosk gets staff video+audio' },
    streamKbps: kbps,
    windowSec: WINDOW_MS / 1000,
    levels,
    maxRoomsUnder1PctLoss: ok.at(-1)?.rooms ?? 0,
    cappedAtMaxRooms: levels.at(-1)?.rooms === MAX_ROOMS && (levels.at(-1)?.lossPct ?? 100) < 1,
    baselineWithoutSfu: { rooms, lossPct: round(base.lossPct, 3), packetsPerSec: round(base.packetsPerSec, 0) },
    /** What stopped the ramp: the SFU, or this bench's own sender/receiver (its baseline lost >= 1% too). */
    limitedBy: (levels.at(-1)?.lossPct ?? 0) < 1 ? 'max-rooms' : base.lossPct >= 1 ? 'bench harness (the baseline without the SFU lost packets too)' : 'sfu',
  };
  console.log(JSON.stringify(result, null, 2));
  console.log('');
  console.log(`rooms forwarded by one mediasoup ${result.mediasoup} worker (booth 720p + staff 480p per room), loss < 1%: ${result.maxRoomsUnder1PctLoss}${result.cappedAtMaxRooms ? ` (stopped at --max-rooms ${MAX_ROOMS})` : ''}`);
  console.log('  rooms   loss %   packets/s out   worker CPU % of a core');
  for (const l of levels) console.log(`  ${String(l.rooms).padStart(5)}   ${String(l.lossPct).padStart(6)}   ${String(l.packetsPerSecOut).padStart(13)}   ${String(l.workerCpuPct).padStart(6)}`);
  console.log(`  limited by: ${result.limitedBy}`);
  console.log(`  baseline without the SFU at ${rooms} rooms: loss ${result.baselineWithoutSfu.lossPct} %, ${result.baselineWithoutSfu.packetsPerSec} packets/s (machine load ${result.machine.loadavg1m} on ${result.machine.cores} cores)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
