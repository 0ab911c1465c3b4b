import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UnauthorizedError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import type { AccessTokenResponse, LoginRequest } from '../../protocol/staff-api.js';
import type { StaffPrincipal } from '../../protocol/staff.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { AccessTokens } from './access-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password.js';
import { principalOf } from './staff-rows.js';

/**
 * Staff login, token refresh and logout. A login is a row in staff_sessions (absolute expiry
 * `sessionTtlSec`); access tokens name it and live `tokens.ttlSec`. Every outcome is audited.
 */
export class StaffAuth {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly tokens: AccessTokens,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly sessionTtlSec: number,
    private readonly log: Logger,
  ) {}

  async login(req: LoginRequest, ip: string): Promise<AccessTokenResponse> {
    const username = req.username;
    await this.throttle.check(username);
    const row = await this.db.selectFrom('staff').selectAll().where('username', '=', username).executeTakeFirst();
    const ok = row ? await verifyPassword(row.password_hash, req.password) : await verifyAgainstDummy(req.password);
    if (!row || !ok || row.disabled === 1) {
      await this.throttle.recordFailure(username);
      const reason = !row ? 'unknown_user' : !ok ? 'bad_password' : 'disabled';
      await this.audit.append({ actor: 'system', action: 'auth.login_failed', target: row ? `staff:${row.staff_id}` : `username:${username}`, details: { username, ip, reason } });
      this.log.info({ username, ip, reason }, 'login failed');
      throw new UnauthorizedError('auth.failed', 'the username or password is wrong, or the account is disabled');
    }
    await this.throttle.clear(username);
    const principal = principalOf(row);
    const now = new Date();
    const sessionId = randomUUID();
    const expiresAt = new Date(now.getTime() + this.sessionTtlSec * 1000);
    const rehashed = needsRehash(row.password_hash) ? await hashPassword(req.password) : null;
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('staff_sessions').values({ session_id: sessionId, staff_id: row.staff_id, created_at: now.toISOString(), expires_at: expiresAt.toISOString(), revoked_at: null, ip }).execute();
      if (rehashed) await tx.updateTable('staff').set({ password_hash: rehashed }).where('staff_id', '=', row.staff_id).execute();
    });
    await this.audit.append({ actor: `staff:${row.staff_id}`, action: 'auth.login', target: `staff:${row.staff_id}`, details: { username, ip, sessionId } });
    this.log.info({ staffId: row.staff_id, username, ip }, 'staff logged in');
    return this.respond(principal, sessionId, expiresAt);
  }

  /** A fresh access token for a login that still stands (the guard has checked it). */
  async refresh(principal: StaffPrincipal, sessionId: string): Promise<AccessTokenResponse> {
    const s = await this.db.selectFrom('staff_sessions').select('expires_at').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    return this.respond(principal, sessionId, new Date(s.expires_at));
  }

  /** Ends the login at once on every instance; its tokens are refused from the next request on. */
  async logout(principal: StaffPrincipal, sessionId: string): Promise<void> {
    await this.db.updateTable('staff_sessions').set({ revoked_at: new Date().toISOString() }).where('session_id', '=', sessionId).where('revoked_at', 'is', null).execute();
    await this.audit.append({ actor: `staff:${principal.staffId}`, action: 'auth.logout', target: `staff:${principal.staffId}`, details: { sessionId } });
  }

  private async respond(principal: StaffPrincipal, sessionId: string, sessionExpiresAt: Date): Promise<AccessTokenResponse> {
    const { token, expiresAt } = await this.tokens.issue(principal.staffId, sessionId, sessionExpiresAt);
    return { accessToken: token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), sessionExpiresAt: sessionExpiresAt.toISOString(), principal };
  }
}
