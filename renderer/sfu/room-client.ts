// A mediasoup-client peer of a dualrec SFU room, shared by the staff console page and the kiosk:
// signalling over the server's WebSocket (src/protocol/sfu-client.ts), one send transport for what
// this peer publishes and one receive transport for what it may receive.
import { Device, type types } from 'mediasoup-client';
import { SignalClient, signallingUrl } from '../../src/protocol/sfu-client.js';
import type { ConsumerInfo, JoinResult, MediaSource, ProducerInfo, SignalNotification } from '../../src/protocol/sfu-signal.js';
import type { TicketResponse } from '../../src/protocol/sfu.js';

export interface RemoteTrack {
  consumer: types.Consumer;
  info: ConsumerInfo;
}

export interface RoomClientEvents {
  track: (t: RemoteTrack) => void;
  trackEnded: (consumerId: string) => void;
  notification: (n: SignalNotification) => void;
  closed: (code: number, reason: string) => void;
}

/**
 * Simulcast for the staff camera (640x480 source): 160x120, 320x240 and 640x480 layers. The SFU
 * forwards the highest layer each receiver's bandwidth estimate allows, so a poor link gets a lower
 * layer instead of a frozen picture.
 */
export const STAFF_SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_000_000 },
];

export class RoomClient {
  readonly device = new Device();
  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private readonly handlers = new Map<keyof RoomClientEvents, ((...args: never[]) => void)[]>();
  readonly consumers = new Map<string, RemoteTrack>();
  joined: JoinResult | null = null;

  private constructor(readonly signal: SignalClient) {}

  static async open(serverUrl: string, ticket: TicketResponse): Promise<RoomClient> {
    return new RoomClient(await SignalClient.connect(signallingUrl(serverUrl, ticket)));
  }

  on<K extends keyof RoomClientEvents>(event: K, fn: RoomClientEvents[K]): void {
    const list = this.handlers.get(event) ?? [];
    list.push(fn as (...args: never[]) => void);
    this.handlers.set(event, list);
  }

  private emit<K extends keyof RoomClientEvents>(event: K, ...args: Parameters<RoomClientEvents[K]>): void {
    for (const fn of this.handlers.get(event) ?? []) (fn as unknown as (...a: Parameters<RoomClientEvents[K]>) => void)(...args);
  }

  /** Loads the router's capabilities, joins, and starts receiving everything this peer may receive. */
  async join(displayName: string): Promise<JoinResult> {
    const { rtpCapabilities } = await this.signal.request('getRouterRtpCapabilities', {});
    await this.device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.signal.onNotification((n) => this.onNotification(n));
    this.signal.onClose((code, reason) => this.emit('closed', code, reason));
    const joined = await this.signal.request('join', { displayName, rtpCapabilities: this.device.rtpCapabilities as unknown as Record<string, unknown> });
    this.joined = joined;
    for (const p of joined.producers) await this.consume(p);
    return joined;
  }

  private async transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const existing = direction === 'send' ? this.sendTransport : this.recvTransport;
    if (existing) return existing;
    const opts = await this.signal.request('createWebRtcTransport', { direction });
    const params = opts as unknown as types.TransportOptions;
    const t = direction === 'send' ? this.device.createSendTransport(params) : this.device.createRecvTransport(params);
    t.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.signal.request('connectWebRtcTransport', { transportId: t.id, dtlsParameters: dtlsParameters as unknown as Record<string, unknown> & { fingerprints: Record<string, unknown>[] } }).then(() => ok(), fail);
    });
    if (direction === 'send') {
      t.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
        const source = (appData as { source: MediaSource }).source;
        this.signal.request('produce', { transportId: t.id, kind, source, rtpParameters: rtpParameters as unknown as Record<string, unknown> & { codecs: Record<string, unknown>[] } }).then(({ producerId }) => ok({ id: producerId }), fail);
      });
      this.sendTransport = t;
    } else {
      this.recvTransport = t;
    }
    return t;
  }

  /** Publishes a camera or microphone track (camera with simulcast layers). */
  async publish(track: MediaStreamTrack, source: MediaSource): Promise<types.Producer> {
    const t = await this.transport('send');
    if (track.kind === 'video') {
      const vp8 = this.device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
      return t.produce({ track, encodings: STAFF_SIMULCAST, codecOptions: { videoGoogleStartBitrate: 600 }, codec: vp8, appData: { source } });
    }
    return t.produce({ track, codecOptions: { opusDtx: true, opusFec: true }, appData: { source } });
  }

  private async consume(p: ProducerInfo): Promise<void> {
    const t = await this.transport('recv');
    const info = await this.signal.request('consume', { transportId: t.id, producerId: p.producerId });
    const consumer = await t.consume({ id: info.consumerId, producerId: info.producerId, kind: info.kind, rtpParameters: info.rtpParameters as types.RtpParameters });
    const track: RemoteTrack = { consumer, info };
    this.consumers.set(consumer.id, track);
    await this.signal.request('resumeConsumer', { consumerId: consumer.id });
    this.emit('track', track);
  }

  private onNotification(n: SignalNotification): void {
    this.emit('notification', n);
    if (n.notification === 'newProducer') {
      this.consume(n.data).catch((err: unknown) => console.error('cannot receive', n.data.source, err));
    } else if (n.notification === 'consumerClosed') {
      const c = this.consumers.get(n.data.consumerId);
      if (c) {
        c.consumer.close();
        this.consumers.delete(n.data.consumerId);
        this.emit('trackEnded', n.data.consumerId);
      }
    }
  }

  /** Frames decoded so far over every video consumer (from the receiver's own statistics). */
  async framesDecoded(): Promise<number> {
    let total = 0;
    for (const { consumer } of this.consumers.values()) {
      if (consumer.kind !== 'video') continue;
      const stats = await consumer.getStats();
      stats.forEach((s: { type: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp') total += s.framesDecoded ?? 0;
      });
    }
    return total;
  }

  close(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.signal.close();
  }
}
