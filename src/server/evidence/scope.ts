import { ForbiddenError } from '../../core/errors.js';
import type { AdminActor } from '../auth/admin-actor.js';

/** Throws ForbiddenError unless `actor`'s branch scope covers `branchId` (null: head office only). */
export function assertScope(actor: AdminActor, branchId: string | null, what: string): void {
  if (actor.scope === '*') return;
  if (branchId === null || !actor.scope.includes(branchId)) {
    throw new ForbiddenError('auth.branch', `${actor.name} may not act on ${what} (${branchId === null ? 'it has no branch: head office only' : `branch ${branchId} is outside their scope`})`);
  }
}
