import type { types } from 'mediasoup';
import { ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { MediaSource, PeerInfo, ProducerInfo, SignalNotification } from '../../protocol/sfu-signal.js';
import type { PeerRole } from '../../protocol/sfu.js';

/** Who stands behind a peer: the verified identity its ticket carried. */
export interface PeerIdentity {
  role: PeerRole;
  /** `staff:<uuid>` or `booth:<uuid>`: one live peer per identity and role in a room. */
  principal: string;
  displayName: string;
}

export interface PeerProducer {
  producer: types.Producer;
  source: MediaSource;
}

/** What each role may publish. */
const MAY_PRODUCE: Record<PeerRole, readonly MediaSource[]> = {
  booth: ['camera', 'screen', 'mic'],
  staff: ['camera', 'mic'],
  kiosk: [],
  monitor: [],
};

/** Whose media each role may receive: the kiosk sees staff, staff see the booth (and other staff), monitors see all. */
const MAY_CONSUME: Record<PeerRole, readonly PeerRole[]> = {
  booth: [],
  kiosk: ['staff'],
  staff: ['booth', 'staff'],
  monitor: ['booth', 'staff'],
};

/** Roles that receive the booth's recording status and faults. */
export const STATUS_RECEIVERS: readonly PeerRole[] = ['staff', 'monitor'];

/**
 * One participant of a room: its transports, producers and consumers on the room's router.
 * Closing a peer closes its transports, which closes its producers and consumers (and, through
 * mediasoup, every consumer of its producers elsewhere in the room).
 */
export class Peer {
  readonly transports = new Map<string, types.Transport>();
  readonly producers = new Map<string, PeerProducer>();
  readonly consumers = new Map<string, types.Consumer>();
  rtpCapabilities: types.RtpCapabilities | null = null;
  joined = false;
  private closed = false;

  constructor(
    readonly id: string,
    readonly identity: PeerIdentity,
    private readonly sendFn: (n: SignalNotification) => void,
  ) {}

  get role(): PeerRole {
    return this.identity.role;
  }

  info(): PeerInfo {
    return { peerId: this.id, role: this.role, displayName: this.identity.displayName };
  }

  producerInfos(): ProducerInfo[] {
    return [...this.producers.values()].map((p) => ({ producerId: p.producer.id, peerId: this.id, kind: p.producer.kind, source: p.source }));
  }

  notify(n: SignalNotification): void {
    if (!this.closed) this.sendFn(n);
  }

  mayProduce(source: MediaSource): boolean {
    return MAY_PRODUCE[this.role].includes(source);
  }

  mayConsume(from: PeerRole): boolean {
    return MAY_CONSUME[this.role].includes(from);
  }

  assertMayProduce(source: MediaSource): void {
    if (!this.mayProduce(source)) throw new ForbiddenError('sfu.produce_forbidden', `a ${this.role} participant may not publish ${source}${this.role === 'monitor' ? ' (monitors join receive-only)' : ''}`);
  }

  transport(id: string): types.Transport {
    const t = this.transports.get(id);
    if (!t) throw new NotFoundError('sfu.transport_not_found', `transport ${id} is not one of this participant's transports`);
    return t;
  }

  consumer(id: string): types.Consumer {
    const c = this.consumers.get(id);
    if (!c) throw new NotFoundError('sfu.consumer_not_found', `consumer ${id} is not one of this participant's consumers`);
    return c;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}
