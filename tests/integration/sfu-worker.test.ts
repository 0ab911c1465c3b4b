// Smoke test of the mediasoup worker this machine built (native/mediasoup/build-worker.sh): a
// worker starts, a router with the room codecs, a WebRtcTransport and a PlainTransport; then real
// forwarding: FFmpeg sends H264 over SRTP into a PlainTransport (as the booth does), a consumer on
// a second PlainTransport sends the RTP on to a UDP socket here, which must receive it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src/platform/ffmpeg.js';
import { ROOM_MEDIA_CODECS } from '../../src/server/sfu/codecs.js';
import { loadMediasoup, resolveWorkerBinary } from '../../src/server/sfu/mediasoup-loader.js';
import { WorkerPool } from '../../src/server/sfu/worker-pool.js';
import { ProducerRecorder } from '../../src/server/sfu/room-recorder.js';
import { createLogger } from '../../src/platform/log.js';

let worker: types.Worker;
let router: types.Router;

beforeAll(async () => {
  const { mediasoup } = await loadMediasoup();
  worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 47000, rtcMaxPort: 47099 });
  router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
});
afterAll(() => worker?.close());

describe('mediasoup worker', () => {
  it('resolves a worker binary of the installed mediasoup version and runs it', async () => {
    const bin = resolveWorkerBinary();
    expect(bin.path).toMatch(/mediasoup-worker$/);
    const { mediasoup } = await loadMediasoup();
    expect(mediasoup.version).toBe('3.12.16');
    expect(mediasoup.workerBin).toBe(bin.path);
    expect(worker.pid).toBeGreaterThan(0);
    const usage = await worker.getResourceUsage();
    expect(usage.ru_maxrss).toBeGreaterThan(0);
  });

  it('creates a router offering Opus, VP8 and H264, a WebRtcTransport and a PlainTransport', async () => {
    const mimes = router.rtpCapabilities.codecs!.map((c) => c.mimeType);
    expect(mimes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    const web = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true, enableTcp: true });
    expect(web.iceCandidates.length).toBeGreaterThan(0);
    expect(web.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    const plain = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: true, enableSrtp: true });
    expect(plain.tuple.localPort).toBeGreaterThanOrEqual(47000);
    expect(plain.srtpParameters?.cryptoSuite).toBe('AES_CM_128_HMAC_SHA1_80');
    web.close();
    plain.close();
  });

  it('forwards SRTP from FFmpeg through a producer to a consumer', async () => {
    const ff = await resolveFfmpeg(null);
    const keyBase64 = randomBytes(30).toString('base64');
    const input = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: true, enableSrtp: true });
    await input.connect({ srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64 } });
    const producer = await input.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } }],
        encodings: [{ ssrc: 22222222 }],
      },
    });

    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const seqs = new Set<number>();
    udp.on('message', (msg) => {
      // RTCP packet types are 192-223 in the second byte; everything else here is RTP.
      if (msg.length >= 12 && (msg[1]! < 192 || msg[1]! > 223)) seqs.add(msg.readUInt16BE(2));
    });
    const output = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
    await output.connect({ ip: '127.0.0.1', port: (udp.address() as AddressInfo).port });
    const consumer = await output.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
    await consumer.resume();
    // The server-side backup recorder takes the same producer into a file.
    const recDir = mkdtempSync(join(tmpdir(), 'dualrec-room-rec-'));
    const rec = await ProducerRecorder.start(router, producer, ff.ffmpeg, recDir, 'booth-camera', createLogger('sfu', 'silent'));
    await new Promise((r) => setTimeout(r, 700));

    const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15', '-t', '3',
      '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
      '-payload_type', '102', '-ssrc', '22222222', '-f', 'rtp', '-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', keyBase64,
      `srtp://127.0.0.1:${input.tuple.localPort}?rtcpport=${input.rtcpTuple!.localPort}&pkt_size=1200`];
    const code = await new Promise<number | null>((resolve) => spawn(ff.ffmpeg, args, { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', resolve));
    expect(code).toBe(0);
    const stats = await producer.getStats();
    udp.close();
    await rec.stop();
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', rec.file]).toString().trim();
    expect(probe.split(',')[0]).toBe('h264');
    expect(Number(probe.split(',')[1])).toBeGreaterThan(15);
    expect(stats[0]?.packetCount ?? 0).toBeGreaterThan(30);
    expect(seqs.size).toBeGreaterThan(30);
    expect(consumer.kind).toBe('video');
    input.close();
    output.close();
  });

  it('a pool spreads rooms over its workers and replaces a worker that dies', async () => {
    const pool = await WorkerPool.create({ workers: 2, rtcMinPort: 47100, rtcMaxPort: 47199, logLevel: 'error' }, createLogger('sfu', 'silent'));
    try {
      const rooms = await Promise.all([1, 2, 3, 4].map((n) => pool.createRouter({ n })));
      expect(pool.load().map((l) => l.routers)).toEqual([2, 2]);
      expect(new Set(rooms.map((r) => r.workerPid)).size).toBe(2);
      rooms[0]!.router.close();
      expect(pool.load().map((l) => l.routers)).toEqual([1, 2]);
      const next = await pool.createRouter({ n: 5 });
      expect(next.workerIndex).toBe(0);

      const died = new Promise<{ index: number }>((r) => pool.once('workerDied', r));
      const victim = pool.load()[1]!.pid;
      process.kill(victim, 'SIGKILL');
      expect((await died).index).toBe(1);
      await expect.poll(() => pool.load()[1]!.pid, { timeout: 10_000 }).not.toBe(victim);
      const after = await pool.createRouter({ n: 6 });
      expect(after.workerIndex).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
