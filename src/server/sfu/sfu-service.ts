import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { DependencyError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { WS_CLOSE, type SignalNotification } from '../../protocol/sfu-signal.js';
import { SFU_WS_PATH, type Reservation, type TicketResponse } from '../../protocol/sfu.js';
import type { StaffPrincipal } from '../../protocol/staff.js';
import type { AuditLog } from '../audit/audit-log.js';
import { scopeCovers } from '../auth/staff-guard.js';
import type { ServerDb } from '../db/schema.js';
import type { AuthedBooth } from '../ingest/auth.js';
import { Invitations } from './invitations.js';
import { Peer, type PeerIdentity } from './peer.js';
import { assertScope, Reservations } from './reservations.js';
import { Room } from './room.js';
import { ProducerRecorder } from './room-recorder.js';
import { workerCount, type SfuConfig } from './sfu-config.js';
import { sfuDb } from './sfu-db.js';
import { SignalSession, type SignalSocket } from './signal-session.js';
import { Tickets, type TicketGrant } from './tickets.js';
import { WorkerPool } from './worker-pool.js';

export interface SfuSocket extends SignalSocket {
  on(event: 'message', fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
}

interface ConsoleSubscriber {
  scope: StaffPrincipal['branches'];
  send: (n: SignalNotification) => void;
}

/** How long an empty room keeps its router, so a reconnecting peer finds it. */
const EMPTY_ROOM_GRACE_MS = 30_000;

/**
 * The SFU: reservations and invitations (database), tickets, and live rooms on a pool of mediasoup
 * workers. Without workers (`sfu.enabled` false) everything but media works and opening a room
 * answers 503 sfu.disabled.
 */
export class SfuService {
  readonly reservations: Reservations;
  readonly invitations: Invitations;
  readonly tickets = new Tickets();
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly emptyTimers = new Map<string, NodeJS.Timeout>();
  private readonly consoles = new Set<ConsoleSubscriber>();
  private readonly recorders = new Set<ProducerRecorder>();
  private closed = false;

  private constructor(
    db: Kysely<ServerDb>,
    audit: AuditLog,
    readonly config: SfuConfig,
    readonly pool: WorkerPool | null,
    private readonly log: Logger,
    /** Where backup copies of the staff side go, and the FFmpeg that writes them (null: none). */
    readonly recording: { dir: string; ffmpeg: string } | null,
  ) {
    const sdb = sfuDb(db);
    this.reservations = new Reservations(sdb, audit);
    this.invitations = new Invitations(sdb, this.reservations, audit);
  }

  static async create(db: Kysely<ServerDb>, audit: AuditLog, config: SfuConfig, log: Logger, opts: { dataDir: string; ffmpeg: string }): Promise<SfuService> {
    const pool = config.enabled ? await WorkerPool.create({ workers: workerCount(config), rtcMinPort: config.rtcMinPort, rtcMaxPort: config.rtcMaxPort, logLevel: config.logLevel }, log) : null;
    const recording = config.recordStaff ? { dir: join(opts.dataDir, 'sfu-recordings'), ffmpeg: opts.ffmpeg } : null;
    const service = new SfuService(db, audit, config, pool, log, recording);
    pool?.on('workerDied', ({ index }) => {
      for (const p of service.rooms.values()) void p.then((room) => room.workerIndex === index && room.close('media server restarted'), () => undefined);
    });
    return service;
  }

  private ticket(grant: TicketGrant, roomId: string | null, role: TicketResponse['role']): TicketResponse {
    return { ...this.tickets.issue(grant), roomId, role, wsPath: SFU_WS_PATH };
  }

  /** Staff: with an invitation (remote staff or reviewer), or receive-only as a monitor by role and branch scope. */
  async staffTicket(p: StaffPrincipal, roomId: string, body: { invitation?: string | undefined; as: 'staff' | 'monitor' }): Promise<TicketResponse> {
    let reservation: Reservation;
    let role: 'staff' | 'monitor';
    if (body.invitation) {
      const redeemed = await this.invitations.redeem(p, roomId, body.invitation);
      reservation = redeemed.reservation;
      role = redeemed.role === 'remote_staff' && body.as === 'staff' ? 'staff' : 'monitor';
    } else {
      if (body.as === 'staff') throw new ValidationError('sfu.invitation_required', 'invitation: joining as remote staff needs the invitation link of this remote session');
      if (!p.roles.some((r) => r === 'reviewer' || r === 'supervisor')) throw new ForbiddenError('auth.role', `watching a remote session needs the reviewer or supervisor role; ${p.username} has ${p.roles.join(', ')}`);
      reservation = await this.reservations.getFor(p, roomId);
      this.reservations.assertOpen(reservation);
      role = 'monitor';
    }
    const identity: PeerIdentity = { role, principal: `staff:${p.staffId}`, displayName: p.username };
    return this.ticket({ kind: 'room', roomId: reservation.roomId, identity }, reservation.roomId, role);
  }

  /** The booth (its capture, or its kiosk page) joins the room reserved for it. */
  async boothTicket(booth: AuthedBooth, roomId: string, as: 'booth' | 'kiosk'): Promise<TicketResponse> {
    const reservation = await this.reservations.get(roomId);
    if (reservation.boothId !== booth.boothId) throw new ForbiddenError('sfu.not_your_room', `remote session ${roomId} is reserved for another booth`);
    this.reservations.assertOpen(reservation);
    const identity: PeerIdentity = { role: as, principal: `booth:${booth.boothId}`, displayName: as === 'booth' ? booth.name : `${booth.name} (kiosk)` };
    return this.ticket({ kind: 'room', roomId, identity }, roomId, as);
  }

  /** The control console: recording status and faults of every room in the caller's branch scope. */
  consoleTicket(p: StaffPrincipal): TicketResponse {
    return this.ticket({ kind: 'console', principal: `staff:${p.staffId}`, scope: p.branches }, null, null);
  }

  private async room(roomId: string): Promise<Room> {
    const existing = this.rooms.get(roomId);
    if (existing) {
      const room = await existing;
      if (!room.isClosed) return room;
    }
    if (!this.pool) throw new DependencyError('sfu.disabled', 'live media is not enabled on this server (sfu.enabled is false)');
    const pool = this.pool;
    const created = (async () => {
      const reservation = await this.reservations.get(roomId);
      const { router, workerIndex } = await pool.createRouter({ roomId });
      const room = new Room(reservation, router, workerIndex, { listenIp: this.config.listenIp, announcedIp: this.config.announcedIp, initialOutgoingBitrate: this.config.initialOutgoingBitrate }, this.log.child({ room: roomId }));
      room.on('relay', (n) => this.toConsoles(room, n));
      room.on('empty', () => this.scheduleEmptyClose(room));
      room.on('producer', ({ peer, producer, source }) => {
        const rec = this.recording;
        if (!rec || peer.role !== 'staff') return;
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${peer.identity.principal.replace(':', '-')}-${source}`;
        ProducerRecorder.start(router, producer, rec.ffmpeg, join(rec.dir, roomId), name, this.log.child({ room: roomId })).then(
          (r) => {
            this.recorders.add(r);
            void r.finished.then(() => this.recorders.delete(r));
          },
          (err: unknown) => this.log.error({ err, room: roomId }, 'cannot record the staff stream'),
        );
      });
      room.once('closed', (reason) => {
        this.rooms.delete(roomId);
        this.toConsoles(room, { notification: 'roomClosed', data: { roomId, reason } });
      });
      this.log.info({ room: roomId, worker: workerIndex }, 'room opened');
      return room;
    })();
    this.rooms.set(roomId, created);
    created.catch(() => this.rooms.delete(roomId));
    return created;
  }

  private scheduleEmptyClose(room: Room): void {
    clearTimeout(this.emptyTimers.get(room.id));
    this.emptyTimers.set(room.id, setTimeout(() => {
      this.emptyTimers.delete(room.id);
      if (room.peers.size === 0) room.close('everyone left');
    }, EMPTY_ROOM_GRACE_MS).unref());
  }

  private toConsoles(room: Room, n: SignalNotification): void {
    const branch = room.reservation.branchId;
    for (const c of this.consoles) {
      if (branch === null ? c.scope === '*' : scopeCovers(c.scope, branch)) c.send(n);
    }
  }

  /** Serves one signalling socket whose ticket the route has taken. */
  async attach(socket: SfuSocket, grant: TicketGrant): Promise<void> {
    const send = (n: unknown) => {
      if (socket.readyState === 1) socket.send(JSON.stringify(n));
    };
    if (grant.kind === 'console') {
      const sub: ConsoleSubscriber = { scope: grant.scope, send };
      this.consoles.add(sub);
      socket.on('close', () => this.consoles.delete(sub));
      return;
    }
    // Listen at once: a client may send `join` before the room's router exists; those frames wait.
    let session: SignalSession | null = null;
    let closed = false;
    const waiting: string[] = [];
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.close(1003, 'signalling uses text frames');
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      if (session) void session.onMessage(text);
      else if (waiting.length < 32) waiting.push(text);
      else socket.close(WS_CLOSE.protocol, 'too many requests before the room opened');
    });
    socket.on('close', () => {
      closed = true;
    });
    let room: Room;
    try {
      room = await this.room(grant.roomId);
    } catch (err) {
      socket.close(err instanceof NotFoundError ? WS_CLOSE.ticketInvalid : 1011, (err as Error).message.slice(0, 120));
      return;
    }
    if (closed) return;
    clearTimeout(this.emptyTimers.get(room.id));
    const peer = new Peer(randomUUID(), grant.identity, send);
    const replaced = room.addPeer(peer);
    if (replaced) this.log.info({ room: room.id, peer: replaced.id }, 'peer replaced by a new connection');
    socket.on('close', () => room.removePeer(peer.id));
    const ready = new SignalSession(room, peer, socket, this.log.child({ room: room.id, peer: peer.id, role: peer.role }));
    session = ready;
    for (const text of waiting.splice(0)) void ready.onMessage(text);
  }

  /** What is live in a room: its worker, peers and their producers (with simulcast layers); null when not open. */
  async describeRoom(roomId: string): Promise<{ worker: number; peers: { role: string; producers: { source: string; kind: string; layers: number; score: number[] }[] }[] } | null> {
    const p = this.rooms.get(roomId);
    const room = p ? await p.catch(() => null) : null;
    if (!room || room.isClosed) return null;
    return {
      worker: room.workerIndex,
      peers: [...room.peers.values()].map((peer) => ({
        role: peer.role,
        producers: [...peer.producers.values()].map(({ producer, source }) => ({ source, kind: producer.kind, layers: producer.rtpParameters.encodings?.length ?? 1, score: producer.score.map((s) => s.score) })),
      })),
    };
  }

  /** Closes the live room of a cancelled reservation. */
  async cancel(p: StaffPrincipal, reservationId: string): Promise<Reservation> {
    const r = await this.reservations.cancel(p, reservationId);
    const live = this.rooms.get(reservationId);
    if (live) (await live).close('the remote session was cancelled');
    return r;
  }

  assertScope(p: StaffPrincipal, branchId: string | null): void {
    assertScope(p, branchId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.emptyTimers.values()) clearTimeout(t);
    for (const p of this.rooms.values()) (await p.catch(() => null))?.close('server shutting down');
    await Promise.all([...this.recorders].map((r) => r.stop()));
    await this.pool?.close();
  }
}
