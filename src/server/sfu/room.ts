import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import type { FaultReport } from '../../protocol/faults.js';
import type { ConsumerInfo, JoinResult, MediaKind, MediaSource, PlainTransportInfo, ProducerInfo, RecordingStatus, SignalNotification, TransportOptions } from '../../protocol/sfu-signal.js';
import type { Reservation } from '../../protocol/sfu.js';
import { Peer, STATUS_RECEIVERS } from './peer.js';

export interface RoomNetwork {
  listenIp: string;
  announcedIp: string | null;
  initialOutgoingBitrate: number;
}

export interface RoomEvents {
  /** A participant started publishing. */
  producer: [{ peer: Peer; producer: types.Producer; source: MediaSource }];
  /** Recording status and faults of the booth, for the control consoles. */
  relay: [SignalNotification];
  closed: [string];
  empty: [];
}

const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_80';
/** Transports one participant may hold (a browser needs 2, the booth 3): bounds what one socket can make the worker allocate. */
export const MAX_TRANSPORTS_PER_PEER = 6;

function assertTransportRoom(peer: Peer): void {
  if (peer.transports.size >= MAX_TRANSPORTS_PER_PEER) throw new ConflictError('sfu.too_many_transports', `a participant may hold at most ${MAX_TRANSPORTS_PER_PEER} transports`);
}

/** mediasoup throws TypeError for malformed parameters: that is the caller's 400, not our 500. */
async function mediasoupCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TypeError) throw new ValidationError('sfu.bad_parameters', `${what}: ${err.message}`);
    throw err;
  }
}

/**
 * A reserved remote session: one mediasoup router (on one worker) and its peers. Enforces who may
 * publish and receive what (see peer.ts), announces producers to the peers allowed to consume
 * them, and relays the booth's recording status and faults to staff and monitors at once.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly peers = new Map<string, Peer>();
  recording: RecordingStatus | null = null;
  private readonly faults = new Map<string, FaultReport>();
  private closed = false;

  constructor(
    readonly reservation: Reservation,
    readonly router: types.Router,
    readonly workerIndex: number,
    private readonly net: RoomNetwork,
    private readonly log: Logger,
  ) {
    super();
    router.observer.once('close', () => this.close('router closed'));
  }

  get id(): string {
    return this.reservation.roomId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds a peer; a live peer with the same identity and role (a reconnect) is replaced. */
  addPeer(peer: Peer): Peer | null {
    if (this.closed) throw new ConflictError('sfu.room_closed', `room ${this.id} is closed`);
    let replaced: Peer | null = null;
    for (const p of this.peers.values()) {
      if (p.identity.principal === peer.identity.principal && p.role === peer.role) replaced = p;
    }
    if (replaced) this.removePeer(replaced.id);
    this.peers.set(peer.id, peer);
    return replaced;
  }

  removePeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    peer.close();
    if (peer.joined) this.broadcast({ notification: 'peerLeft', data: { peerId } });
    if (this.peers.size === 0) this.emit('empty');
  }

  join(peer: Peer, rtpCapabilities: types.RtpCapabilities | undefined): JoinResult {
    if (rtpCapabilities) peer.rtpCapabilities = rtpCapabilities;
    if (!peer.joined) {
      peer.joined = true;
      this.broadcast({ notification: 'peerJoined', data: peer.info() }, peer.id);
    }
    const others = [...this.peers.values()].filter((p) => p !== peer && p.joined);
    return {
      self: peer.info(),
      roomId: this.id,
      topic: this.reservation.topic,
      peers: others.map((p) => p.info()),
      producers: others.filter((p) => peer.mayConsume(p.role)).flatMap((p) => p.producerInfos()),
      recording: STATUS_RECEIVERS.includes(peer.role) ? this.recording : null,
      faults: STATUS_RECEIVERS.includes(peer.role) ? this.activeFaults() : [],
    };
  }

  async createWebRtcTransport(peer: Peer, direction: 'send' | 'recv'): Promise<TransportOptions> {
    if (direction === 'send' && !peer.mayProduce('camera') && !peer.mayProduce('mic')) {
      throw new ForbiddenError('sfu.produce_forbidden', `a ${peer.role} participant receives only; it cannot open a send transport`);
    }
    assertTransportRoom(peer);
    const t = await this.router.createWebRtcTransport({
      listenIps: [{ ip: this.net.listenIp, announcedIp: this.net.announcedIp ?? undefined }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: this.net.initialOutgoingBitrate,
      appData: { peerId: peer.id, direction },
    });
    peer.transports.set(t.id, t);
    return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
  }

  async connectWebRtcTransport(peer: Peer, transportId: string, dtlsParameters: unknown): Promise<void> {
    const t = peer.transport(transportId);
    if (!('dtlsParameters' in t)) throw new ValidationError('sfu.bad_transport', `transport ${transportId} is not a WebRTC transport`);
    await mediasoupCall('connect', () => (t as types.WebRtcTransport).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  /**
   * A plain RTP transport for one of the booth's FFmpeg outputs: comedia (the first packet tells
   * the address), RTCP on its own port, SRTP with a fresh key the booth's FFmpeg encrypts with.
   */
  async createPlainTransport(peer: Peer, source: MediaSource): Promise<PlainTransportInfo> {
    peer.assertMayProduce(source);
    if (peer.role !== 'booth') throw new ForbiddenError('sfu.plain_forbidden', 'only the booth publishes over plain RTP');
    assertTransportRoom(peer);
    const t = await this.router.createPlainTransport({
      listenIp: { ip: this.net.listenIp, announcedIp: this.net.announcedIp ?? undefined },
      rtcpMux: false,
      comedia: true,
      enableSrtp: true,
      srtpCryptoSuite: SRTP_SUITE,
      appData: { peerId: peer.id, source },
    });
    // AES_CM_128_HMAC_SHA1_80: 16 bytes key + 14 bytes salt.
    const keyBase64 = randomBytes(30).toString('base64');
    await t.connect({ srtpParameters: { cryptoSuite: SRTP_SUITE, keyBase64 } });
    peer.transports.set(t.id, t);
    return {
      transportId: t.id,
      ip: this.net.announcedIp ?? t.tuple.localIp,
      port: t.tuple.localPort,
      rtcpPort: t.rtcpTuple?.localPort ?? t.tuple.localPort,
      srtp: { cryptoSuite: SRTP_SUITE, keyBase64 },
    };
  }

  async produce(peer: Peer, transportId: string, kind: MediaKind, source: MediaSource, rtpParameters: unknown): Promise<{ producerId: string }> {
    peer.assertMayProduce(source);
    if ((source === 'mic') !== (kind === 'audio')) throw new ValidationError('sfu.bad_source', `source ${source} cannot carry ${kind}`);
    for (const p of peer.producers.values()) {
      if (p.source === source) throw new ConflictError('sfu.source_taken', `this participant already publishes ${source}; close that producer first`);
    }
    const t = peer.transport(transportId);
    const producer = await mediasoupCall('produce', () => t.produce({ kind, rtpParameters: rtpParameters as types.RtpParameters, appData: { peerId: peer.id, source } }));
    peer.producers.set(producer.id, { producer, source });
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      this.broadcast({ notification: 'producerClosed', data: { producerId: producer.id } }, peer.id);
    });
    const info: ProducerInfo = { producerId: producer.id, peerId: peer.id, kind, source };
    for (const other of this.peers.values()) {
      if (other !== peer && other.joined && other.mayConsume(peer.role)) other.notify({ notification: 'newProducer', data: info });
    }
    this.log.info({ room: this.id, peer: peer.id, role: peer.role, source, producer: producer.id }, 'producer added');
    this.emit('producer', { peer, producer, source });
    return { producerId: producer.id };
  }

  closeProducer(peer: Peer, producerId: string): void {
    const p = peer.producers.get(producerId);
    if (!p) throw new NotFoundError('sfu.producer_not_found', `producer ${producerId} is not one of this participant's producers`);
    p.producer.close();
  }

  async consume(peer: Peer, transportId: string, producerId: string): Promise<ConsumerInfo> {
    const owner = [...this.peers.values()].find((p) => p.producers.has(producerId));
    if (!owner) throw new NotFoundError('sfu.producer_not_found', `producer ${producerId} is not in room ${this.id}`);
    if (owner === peer) throw new ValidationError('sfu.consume_self', 'a participant does not consume its own producer');
    if (!peer.mayConsume(owner.role)) throw new ForbiddenError('sfu.consume_forbidden', `a ${peer.role} participant may not receive the ${owner.role}'s media`);
    if (!peer.rtpCapabilities) throw new ValidationError('sfu.no_capabilities', 'join with rtpCapabilities before consuming');
    if (!this.router.canConsume({ producerId, rtpCapabilities: peer.rtpCapabilities })) {
      throw new ConflictError('sfu.cannot_consume', `this participant's RTP capabilities cannot receive producer ${producerId}`);
    }
    const t = peer.transport(transportId);
    const { source } = owner.producers.get(producerId)!;
    const consumer = await t.consume({ producerId, rtpCapabilities: peer.rtpCapabilities, paused: true, appData: { peerId: peer.id } });
    peer.consumers.set(consumer.id, consumer);
    const gone = () => {
      if (!peer.consumers.delete(consumer.id)) return;
      peer.notify({ notification: 'consumerClosed', data: { consumerId: consumer.id } });
    };
    consumer.on('producerclose', gone);
    consumer.on('transportclose', () => peer.consumers.delete(consumer.id));
    return { consumerId: consumer.id, producerId, peerId: owner.id, kind: consumer.kind, source, rtpParameters: consumer.rtpParameters, paused: true };
  }

  /** Records and relays the booth's recording status to staff and monitors (and the consoles). */
  relayRecording(status: RecordingStatus): void {
    this.recording = status;
    this.relay({ notification: 'recordingStatus', data: { ...status, roomId: this.id } });
  }

  relayFault(fault: FaultReport): void {
    const key = `${fault.kind}|${fault.sessionId ?? ''}`;
    if (fault.clearedAt) this.faults.delete(key);
    else this.faults.set(key, fault);
    this.relay({ notification: 'fault', data: { ...fault, roomId: this.id } });
  }

  activeFaults(): FaultReport[] {
    return [...this.faults.values()];
  }

  private relay(n: SignalNotification): void {
    for (const p of this.peers.values()) if (p.joined && STATUS_RECEIVERS.includes(p.role)) p.notify(n);
    this.emit('relay', n);
  }

  broadcast(n: SignalNotification, exceptPeerId?: string): void {
    for (const p of this.peers.values()) if (p.id !== exceptPeerId && p.joined) p.notify(n);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.peers.values()) {
      p.notify({ notification: 'roomClosed', data: { roomId: this.id, reason } });
      p.close();
    }
    this.peers.clear();
    this.router.close();
    this.log.info({ room: this.id, reason }, 'room closed');
    this.emit('closed', reason);
  }
}
