import { randomUUID } from 'node:crypto';
import { ForbiddenError, NotFoundError, ValidationError, ConflictError } from '../../core/errors.js';
import type { StaffPrincipal } from '../../protocol/staff.js';
import { ROOM_OPENS_BEFORE_MIN, type CreateReservationRequest, type Reservation } from '../../protocol/sfu.js';
import type { AuditLog } from '../audit/audit-log.js';
import { scopeCovers } from '../auth/staff-guard.js';
import type { SfuDb, SfuTables } from './sfu-db.js';

type Row = SfuTables['sfu_reservations'];

function toReservation(r: Row): Reservation {
  return {
    reservationId: r.reservation_id,
    roomId: r.reservation_id,
    topic: r.topic,
    customerName: r.customer_name,
    boothId: r.booth_id,
    branchId: r.branch_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

/** Throws 403 unless the staff member's branch scope covers the booth's branch (a booth with no branch: head office only). */
export function assertScope(p: StaffPrincipal, branchId: string | null): void {
  if (branchId === null ? p.branches !== '*' : !scopeCovers(p.branches, branchId)) {
    throw new ForbiddenError('auth.branch', `${p.username} may not act on ${branchId === null ? 'a booth without a branch (head office only)' : `branch ${branchId}`}`);
  }
}

/** Reservations of remote sessions: a topic, a customer, a booth and a time window. The reservation id is the room id. */
export class Reservations {
  constructor(
    private readonly db: SfuDb,
    private readonly audit: AuditLog,
  ) {}

  async create(p: StaffPrincipal, req: CreateReservationRequest): Promise<Reservation> {
    const booth = await this.db.selectFrom('booths').select(['booth_id', 'branch_id']).where('booth_id', '=', req.boothId).executeTakeFirst();
    if (!booth) throw new NotFoundError('sfu.booth_not_found', `booth ${req.boothId} is not enrolled`);
    assertScope(p, booth.branch_id);
    const start = new Date(req.startsAt);
    const row: Row = {
      reservation_id: randomUUID(),
      topic: req.topic,
      customer_name: req.customerName,
      booth_id: booth.booth_id,
      branch_id: booth.branch_id,
      starts_at: start.toISOString(),
      ends_at: new Date(start.getTime() + req.durationMinutes * 60_000).toISOString(),
      status: 'scheduled',
      created_by: `staff:${p.staffId}`,
      created_at: new Date().toISOString(),
      cancelled_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      const overlap = await tx
        .selectFrom('sfu_reservations')
        .select('reservation_id')
        .where('booth_id', '=', row.booth_id)
        .where('status', '=', 'scheduled')
        .where('starts_at', '<', row.ends_at)
        .where('ends_at', '>', row.starts_at)
        .executeTakeFirst();
      if (overlap) throw new ConflictError('sfu.booth_busy', `booth ${row.booth_id} already has a remote session reserved in that time (${overlap.reservation_id})`);
      await tx.insertInto('sfu_reservations').values(row).execute();
    });
    await this.audit.append({ actor: row.created_by, action: 'sfu.reservation_create', target: `room:${row.reservation_id}`, branchId: row.branch_id, details: { boothId: row.booth_id, startsAt: row.starts_at } });
    return toReservation(row);
  }

  async get(reservationId: string): Promise<Reservation> {
    const row = await this.db.selectFrom('sfu_reservations').selectAll().where('reservation_id', '=', reservationId).executeTakeFirst();
    if (!row) throw new NotFoundError('sfu.reservation_not_found', `no reservation ${reservationId}`);
    return toReservation(row);
  }

  /** A reservation the principal's branch scope covers (403 otherwise, 404 when it does not exist). */
  async getFor(p: StaffPrincipal, reservationId: string): Promise<Reservation> {
    const r = await this.get(reservationId);
    assertScope(p, r.branchId);
    return r;
  }

  async list(p: StaffPrincipal, from: string, to: string): Promise<Reservation[]> {
    if (to <= from) throw new ValidationError('request.invalid', 'invalid reservation query: to must be after from');
    let q = this.db.selectFrom('sfu_reservations').selectAll().where('ends_at', '>', from).where('starts_at', '<', to);
    if (p.branches !== '*') q = q.where('branch_id', 'in', p.branches);
    const rows = await q.orderBy('starts_at').orderBy('reservation_id').limit(1000).execute();
    return rows.map(toReservation);
  }

  async cancel(p: StaffPrincipal, reservationId: string): Promise<Reservation> {
    const r = await this.getFor(p, reservationId);
    if (r.status === 'cancelled') return r;
    const at = new Date().toISOString();
    await this.db.updateTable('sfu_reservations').set({ status: 'cancelled', cancelled_at: at }).where('reservation_id', '=', reservationId).where('status', '=', 'scheduled').execute();
    await this.audit.append({ actor: `staff:${p.staffId}`, action: 'sfu.reservation_cancel', target: `room:${reservationId}`, branchId: r.branchId });
    return { ...r, status: 'cancelled' };
  }

  /** The booth's scheduled reservation that is open at `now` (from ROOM_OPENS_BEFORE_MIN before its start until its end). */
  async openForBooth(boothId: string, now = new Date()): Promise<Reservation | null> {
    const opensBy = new Date(now.getTime() + ROOM_OPENS_BEFORE_MIN * 60_000).toISOString();
    const row = await this.db
      .selectFrom('sfu_reservations')
      .selectAll()
      .where('booth_id', '=', boothId)
      .where('status', '=', 'scheduled')
      .where('starts_at', '<=', opensBy)
      .where('ends_at', '>', now.toISOString())
      .orderBy('starts_at')
      .executeTakeFirst();
    return row ? toReservation(row) : null;
  }

  /** Throws unless the room can be entered now: scheduled, not ended, opened (ROOM_OPENS_BEFORE_MIN before start). */
  assertOpen(r: Reservation, now = new Date()): void {
    if (r.status === 'cancelled') throw new ConflictError('sfu.reservation_cancelled', `the remote session "${r.topic}" was cancelled`);
    if (r.endsAt <= now.toISOString()) throw new ConflictError('sfu.reservation_ended', `the remote session "${r.topic}" ended at ${r.endsAt}`);
    const opens = new Date(Date.parse(r.startsAt) - ROOM_OPENS_BEFORE_MIN * 60_000);
    if (opens > now) throw new ConflictError('sfu.reservation_not_open', `the remote session "${r.topic}" opens at ${opens.toISOString()} (${ROOM_OPENS_BEFORE_MIN} minutes before its start)`);
  }
}
