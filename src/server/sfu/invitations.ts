import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../../core/chain.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { StaffPrincipal } from '../../protocol/staff.js';
import type { InvitationCreated, InvitationRole, Reservation } from '../../protocol/sfu.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Reservations } from './reservations.js';
import type { SfuDb } from './sfu-db.js';

/** The staff console page an invitation link opens. */
export const CONSOLE_REMOTE_PATH = '/console/remote/';

/** Roles that may redeem an invitation of each kind. */
const REDEEMERS: Record<InvitationRole, readonly string[]> = {
  remote_staff: ['remote_staff'],
  reviewer: ['reviewer', 'supervisor'],
};

/**
 * Invitation links to a reserved room. The token `<id>.<secret>` is returned once; only the
 * secret's SHA-256 is stored. An invitation is single-purpose: one room, one role, and the first
 * staff account that redeems it owns it (that account may rejoin until it expires; nobody else
 * can use it). It ends at its expiry or when revoked.
 */
export class Invitations {
  constructor(
    private readonly db: SfuDb,
    private readonly reservations: Reservations,
    private readonly audit: AuditLog,
  ) {}

  async create(p: StaffPrincipal, reservationId: string, role: InvitationRole, ttlMinutes: number | undefined): Promise<InvitationCreated> {
    const r = await this.reservations.getFor(p, reservationId);
    if (r.status === 'cancelled') throw new ConflictError('sfu.reservation_cancelled', `the remote session "${r.topic}" was cancelled`);
    const now = Date.now();
    const untilEnd = Math.max(Date.parse(r.endsAt) - now, 15 * 60_000);
    const expiresAt = new Date(now + (ttlMinutes !== undefined ? ttlMinutes * 60_000 : untilEnd)).toISOString();
    const invitationId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('sfu_invitations')
      .values({ invitation_id: invitationId, reservation_id: r.reservationId, role, secret_sha256: sha256Hex(secret), expires_at: expiresAt, created_by: `staff:${p.staffId}`, created_at: new Date(now).toISOString(), used_by: null, used_at: null, revoked_at: null })
      .execute();
    await this.audit.append({ actor: `staff:${p.staffId}`, action: 'sfu.invitation_create', target: `invitation:${invitationId}`, branchId: r.branchId, details: { roomId: r.roomId, role, expiresAt } });
    const token = `${invitationId}.${secret}`;
    return { invitationId, roomId: r.roomId, role, expiresAt, token, path: `${CONSOLE_REMOTE_PATH}#room=${r.roomId}&invite=${token}` };
  }

  async revoke(p: StaffPrincipal, invitationId: string): Promise<void> {
    const row = await this.db.selectFrom('sfu_invitations').select(['reservation_id', 'revoked_at']).where('invitation_id', '=', invitationId).executeTakeFirst();
    if (!row) throw new NotFoundError('sfu.invitation_not_found', `no invitation ${invitationId}`);
    const r = await this.reservations.getFor(p, row.reservation_id);
    if (row.revoked_at) return;
    await this.db.updateTable('sfu_invitations').set({ revoked_at: new Date().toISOString() }).where('invitation_id', '=', invitationId).execute();
    await this.audit.append({ actor: `staff:${p.staffId}`, action: 'sfu.invitation_revoke', target: `invitation:${invitationId}`, branchId: r.branchId });
  }

  /**
   * Checks an invitation token for `roomId` and binds it to `p` on first use. Every refusal says
   * why: unknown or wrong secret (403 sfu.invitation_invalid), another room, revoked, expired,
   * redeemed by someone else (409), or a role the invitation is not for (403).
   */
  async redeem(p: StaffPrincipal, roomId: string, token: string): Promise<{ reservation: Reservation; role: InvitationRole }> {
    const [invitationId, secret] = token.split('.') as [string, string];
    const row = await this.db.selectFrom('sfu_invitations').selectAll().where('invitation_id', '=', invitationId).executeTakeFirst();
    const given = Buffer.from(sha256Hex(secret));
    if (!row || !timingSafeEqual(Buffer.from(row.secret_sha256), given)) {
      throw new ForbiddenError('sfu.invitation_invalid', 'this invitation link is not valid (wrong or unknown invitation); ask for a new link');
    }
    if (row.reservation_id !== roomId) throw new ForbiddenError('sfu.invitation_invalid', 'this invitation is for another remote session');
    if (row.revoked_at) throw new ForbiddenError('sfu.invitation_revoked', `this invitation was revoked at ${row.revoked_at}; ask for a new link`);
    const now = new Date().toISOString();
    if (row.expires_at <= now) throw new ForbiddenError('sfu.invitation_expired', `this invitation expired at ${row.expires_at}; ask for a new link`);
    if (!p.roles.some((role) => REDEEMERS[row.role].includes(role))) {
      throw new ForbiddenError('auth.role', `this invitation is for ${row.role === 'remote_staff' ? 'remote staff' : 'reviewers and supervisors'}; ${p.username} has ${p.roles.join(', ')}`);
    }
    const me = `staff:${p.staffId}`;
    if (row.used_by && row.used_by !== me) throw new ConflictError('sfu.invitation_used', 'this invitation has already been used by another staff member; ask for a new link');
    // The invitation is the grant (made by staff whose scope covers the booth): no branch check here.
    const reservation = await this.reservations.get(row.reservation_id);
    this.reservations.assertOpen(reservation);
    if (!row.used_by) {
      const claimed = await this.db.updateTable('sfu_invitations').set({ used_by: me, used_at: now }).where('invitation_id', '=', invitationId).where('used_by', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new ConflictError('sfu.invitation_used', 'this invitation has just been used by another staff member; ask for a new link');
      await this.audit.append({ actor: me, action: 'sfu.invitation_redeem', target: `invitation:${invitationId}`, branchId: reservation.branchId, details: { roomId } });
    }
    return { reservation, role: row.role };
  }
}
