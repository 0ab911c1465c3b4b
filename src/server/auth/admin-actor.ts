import type { BranchScope, StaffPrincipal } from '../../protocol/staff.js';

/** Who performs an administrative action: a signed-in admin, or the command line on the server. */
export interface AdminActor {
  /** Audit actor: `staff:<uuid>` or `system`. */
  audit: string;
  /** Stored in created_by: `staff:<uuid>` or `cli`. */
  createdBy: string;
  staffId: string | null;
  scope: BranchScope;
  name: string;
}

export function staffActor(p: StaffPrincipal): AdminActor {
  return { audit: `staff:${p.staffId}`, createdBy: `staff:${p.staffId}`, staffId: p.staffId, scope: p.branches, name: p.username };
}

/** The operator at the server's command line (file access to the data folder): head-office scope. */
export const CLI_ACTOR: AdminActor = { audit: 'system', createdBy: 'cli', staffId: null, scope: '*', name: 'the command line' };
