// RTP helpers of the SFU bench: record what FFmpeg sends for a few seconds, replay it in a loop to
// any number of destinations (sequence numbers and timestamps continue across loops), and count
// what arrives per SSRC (loss from gaps in each stream's sequence numbers).
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface RecordedStream {
  name: string;
  ssrc: number;
  payloadType: number;
  clockRate: number;
  /** Packets with their send time (ms from the first packet of the recording). */
  packets: { atMs: number; buf: Buffer }[];
  /** Timestamp advance of one loop. */
  tsSpan: number;
  durationMs: number;
}

export interface StreamSpec {
  name: string;
  ssrc: number;
  payloadType: number;
  clockRate: number;
  /** FFmpeg input + encoder options up to (not including) the RTP muxer options. */
  ffmpegArgs: string[];
}

const isRtcp = (b: Buffer) => b.length >= 2 && b[1]! >= 192 && b[1]! <= 223;

async function bindUdp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  s.setRecvBufferSize(8 * 1024 * 1024);
  return s;
}

/** Runs FFmpeg for `seconds` per stream (in parallel) and records the RTP packets it sends. */
export async function recordStreams(ffmpeg: string, specs: StreamSpec[], seconds: number): Promise<RecordedStream[]> {
  return Promise.all(specs.map(async (spec) => {
    const sock = await bindUdp();
    const port = (sock.address() as AddressInfo).port;
    const packets: { at: number; buf: Buffer }[] = [];
    sock.on('message', (buf) => {
      if (!isRtcp(buf)) packets.push({ at: performance.now(), buf: Buffer.from(buf) });
    });
    const args = ['-hide_banner', '-loglevel', 'error', '-re', ...spec.ffmpegArgs, '-t', String(seconds), '-payload_type', String(spec.payloadType), '-ssrc', String(spec.ssrc), '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`];
    const code = await new Promise<number | null>((resolve) => spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', resolve));
    sock.close();
    if (code !== 0 || packets.length < 10) throw new Error(`ffmpeg did not produce ${spec.name} (exit ${code}, ${packets.length} packets)`);
    const t0 = packets[0]!.at;
    const ts = packets.map((p) => p.buf.readUInt32BE(4));
    const durationMs = packets.at(-1)!.at - t0;
    const tsSpan = Math.round(((ts.at(-1)! - ts[0]!) >>> 0) + (spec.clockRate * 1) / 15);
    return { ...spec, packets: packets.map((p) => ({ atMs: p.at - t0, buf: p.buf })), tsSpan, durationMs: durationMs + 1000 / 15 };
  }));
}

/**
 * Replays recorded streams in a loop to every destination added, paced by the recorded send
 * times. Each destination gets its own continuous sequence numbers and timestamps.
 */
export class Replayer {
  private sock: Socket | null = null;
  private readonly cursors: { port: number; s: RecordedStream; loop: number; idx: number; seq: number; origin: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  sent = 0;

  static async create(): Promise<Replayer> {
    const r = new Replayer();
    r.sock = await bindUdp();
    r.sock.setSendBufferSize(8 * 1024 * 1024);
    r.timer = setInterval(() => r.pump(), 5);
    return r;
  }

  /** Starts sending `streams` to `port` now, each from its beginning. */
  add(port: number, streams: RecordedStream[]): void {
    const origin = performance.now();
    for (const s of streams) this.cursors.push({ port, s, loop: 0, idx: 0, seq: 0, origin });
  }

  /** Sends every packet that is due (cost proportional to the packets sent). */
  private pump(): void {
    const now = performance.now();
    for (const c of this.cursors) {
      const { s } = c;
      for (;;) {
        const p = s.packets[c.idx]!;
        if (c.origin + c.loop * s.durationMs + p.atMs > now) break;
        const buf = Buffer.from(p.buf);
        buf.writeUInt16BE(c.seq++ & 0xffff, 2);
        buf.writeUInt32BE((p.buf.readUInt32BE(4) + c.loop * s.tsSpan) >>> 0, 4);
        this.sock!.send(buf, c.port, '127.0.0.1');
        this.sent++;
        if (++c.idx === s.packets.length) {
          c.idx = 0;
          c.loop++;
        }
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sock?.close();
  }
}

/**
 * Counts RTP packets per SSRC of the streams it is told to expect (`expect(ssrc)`; other packets,
 * such as mediasoup's bandwidth probation, are ignored); `window()` gives received vs expected
 * since the last mark.
 */
export class Receiver {
  private readonly streams = new Map<number, { received: number; lastExt: number; cycles: number; lastSeq: number; markExt: number | null; markReceived: number }>();
  readonly sock: Socket;
  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('message', (buf) => this.onPacket(buf));
  }

  static async create(): Promise<Receiver> {
    return new Receiver(await bindUdp());
  }

  get port(): number {
    return (this.sock.address() as AddressInfo).port;
  }

  private readonly wanted = new Set<number>();

  expect(ssrc: number): void {
    this.wanted.add(ssrc);
  }

  private onPacket(buf: Buffer): void {
    if (buf.length < 12 || isRtcp(buf)) return;
    const ssrc = buf.readUInt32BE(8);
    if (!this.wanted.has(ssrc)) return;
    const seq = buf.readUInt16BE(2);
    let s = this.streams.get(ssrc);
    if (!s) {
      s = { received: 0, lastExt: seq, cycles: 0, lastSeq: seq, markExt: null, markReceived: 0 };
      this.streams.set(ssrc, s);
    }
    if (seq < 0x1000 && s.lastSeq > 0xf000) s.cycles++;
    s.lastSeq = seq;
    s.lastExt = Math.max(s.lastExt, s.cycles * 0x10000 + seq);
    s.received++;
  }

  /** Starts a measurement window. */
  mark(): void {
    for (const s of this.streams.values()) {
      s.markExt = s.lastExt;
      s.markReceived = s.received;
    }
  }

  /** Packets received and expected (from sequence numbers) in the window, over streams that existed at the mark. */
  window(): { received: number; expected: number; streams: number } {
    let received = 0;
    let expected = 0;
    let streams = 0;
    for (const s of this.streams.values()) {
      if (s.markExt === null) continue;
      streams++;
      received += s.received - s.markReceived;
      expected += s.lastExt - s.markExt;
    }
    return { received, expected, streams };
  }

  close(): void {
    this.sock.close();
  }
}
