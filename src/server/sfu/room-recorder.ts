import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from '../../platform/log.js';

/** Two adjacent free UDP ports (RTP on the even one, RTCP on the next) on 127.0.0.1. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 5000);
    const socks = [createSocket('udp4'), createSocket('udp4')];
    const ok = await Promise.all(
      socks.map((s, i) => new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(base + i, '127.0.0.1', () => resolve(true));
      })),
    );
    await Promise.all(socks.map((s) => new Promise<void>((r) => { try { s.close(() => r()); } catch { r(); } })));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free UDP port pair for the room recorder');
}

/** The SDP FFmpeg reads to receive one consumer's RTP. */
export function consumerSdp(c: { kind: 'audio' | 'video'; rtpParameters: types.RtpParameters }, port: number): string {
  const codec = c.rtpParameters.codecs[0]!;
  const [, name] = codec.mimeType.split('/');
  const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(';');
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=dualrec room recording',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${c.kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n');
}

/**
 * Records a producer of a room (the remote staff member's camera or microphone) on the server as a
 * backup copy: a PlainTransport consumer sends its RTP to an FFmpeg on 127.0.0.1 that copies it
 * into `<dir>/<name>.webm` (VP8/Opus) or `.mkv` (H264) without re-encoding. Stops when the
 * producer or the room closes; FFmpeg is asked to finish (SIGINT) so the file is complete.
 */
export class ProducerRecorder {
  /** Resolves when FFmpeg has exited (the file is complete). */
  readonly finished: Promise<void>;

  private constructor(
    private readonly transport: types.PlainTransport,
    private readonly ffmpeg: ChildProcess,
    readonly file: string,
    private readonly log: Logger,
  ) {
    this.finished = new Promise((resolve) => ffmpeg.once('close', () => resolve()));
  }

  static async start(router: types.Router, producer: types.Producer, ffmpegPath: string, dir: string, name: string, log: Logger): Promise<ProducerRecorder> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const port = await freePortPair();
    const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    try {
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
      const h264 = consumer.rtpParameters.codecs[0]!.mimeType.toLowerCase() === 'video/h264';
      const file = join(dir, `${name}.${h264 ? 'mkv' : 'webm'}`);
      const sdp = join(dir, `${name}.sdp`);
      writeFileSync(sdp, consumerSdp(consumer, port));
      // Clusters of at most 1 s, each written out at once: whatever way FFmpeg ends (an interrupt
      // cuts its trailer), everything up to the last second is in the file.
      const args = ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '2000000', '-fflags', '+genpts', '-i', sdp, '-map', '0', '-c', 'copy', '-flush_packets', '1', '-cluster_time_limit', '1000', '-y', file];
      const ff = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      ff.stderr?.on('data', (d: Buffer) => log.debug({ file, stderr: d.toString() }, 'room recorder ffmpeg'));
      ff.on('error', (err) => log.error({ err, file }, 'room recorder ffmpeg failed'));
      const rec = new ProducerRecorder(transport, ff, file, log);
      // FFmpeg needs a moment to open its sockets; then ask for a keyframe to start the file cleanly.
      setTimeout(() => {
        consumer.resume().then(async () => {
          if (consumer.kind === 'video') await consumer.requestKeyFrame();
        }).catch((err: unknown) => log.warn({ err }, 'room recorder cannot resume'));
      }, 500).unref();
      consumer.on('producerclose', () => void rec.stop());
      transport.observer.once('close', () => void rec.stop());
      log.info({ file, producer: producer.id }, 'recording a room stream');
      return rec;
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  private stopped: Promise<void> | null = null;

  /** Ends the recording; resolves when FFmpeg has written the file (killed after 5 s). */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    let done!: () => void;
    this.stopped = new Promise<void>((r) => (done = r));
    void (async () => {
      this.transport.close();
      if (this.ffmpeg.exitCode === null && this.ffmpeg.signalCode === null) {
        const kill = setTimeout(() => this.ffmpeg.kill('SIGKILL'), 5000);
        // Two SIGINTs: the first asks FFmpeg to finish, the second makes its interrupt callback end
        // an RTP read that is blocked because nothing arrives any more; then it writes the index.
        this.ffmpeg.kill('SIGINT');
        const again = setTimeout(() => this.ffmpeg.kill('SIGINT'), 300);
        void this.finished.then(() => clearTimeout(again));
        await this.finished;
        clearTimeout(kill);
      }
      this.log.info({ file: this.file }, 'room stream recorded');
      done();
    })();
    return this.stopped;
  }
}
