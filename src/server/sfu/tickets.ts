import { randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../../core/errors.js';
import type { BranchScope } from '../../protocol/staff.js';
import { TICKET_TTL_SEC } from '../../protocol/sfu.js';
import type { PeerIdentity } from './peer.js';

/** What a ticket lets its holder open: a room as a peer, or the control console's event stream. */
export type TicketGrant =
  | { kind: 'room'; roomId: string; identity: PeerIdentity }
  | { kind: 'console'; principal: string; scope: BranchScope };

/**
 * One-time tickets for the signalling WebSocket, issued by authenticated HTTP routes. In memory:
 * a room lives on the instance that issued its tickets. Each is used once and ends after
 * TICKET_TTL_SEC; only the HTTP route that checked the caller can mint one.
 */
export class Tickets {
  private readonly grants = new Map<string, { grant: TicketGrant; expires: number }>();

  issue(grant: TicketGrant, now = Date.now()): { ticket: string; expiresAt: string } {
    this.sweep(now);
    const ticket = randomBytes(32).toString('base64url');
    const expires = now + TICKET_TTL_SEC * 1000;
    this.grants.set(ticket, { grant, expires });
    return { ticket, expiresAt: new Date(expires).toISOString() };
  }

  /** Uses a ticket up: returns its grant, or throws 401 naming why. */
  take(ticket: string, now = Date.now()): TicketGrant {
    const entry = this.grants.get(ticket);
    this.grants.delete(ticket);
    if (!entry) throw new UnauthorizedError('sfu.ticket_invalid', 'this signalling ticket is unknown or already used; request a new one');
    if (entry.expires <= now) throw new UnauthorizedError('sfu.ticket_expired', `this signalling ticket expired (tickets last ${TICKET_TTL_SEC} s); request a new one`);
    return entry.grant;
  }

  private sweep(now: number): void {
    for (const [t, e] of this.grants) if (e.expires <= now) this.grants.delete(t);
  }
}
