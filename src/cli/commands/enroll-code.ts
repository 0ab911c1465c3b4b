import { Command } from 'commander';
import { parseOrThrow } from '../../core/validate.js';
import { BranchId } from '../../protocol/staff.js';
import { withArchive } from './util.js';
import { CLI_ACTOR } from '../../server/auth/admin-actor.js';
import { BranchAdmin } from '../../server/auth/branch-admin.js';
import { createEnrollmentCode } from '../../server/ingest/auth.js';
import { openAuditLog } from '../../server/server.js';

export function enrollCodeCommand(): Command {
  return new Command('enroll-code')
    .description('create a one-time booth enrollment code in the server database')
    .option('--data <dir>', 'server data folder', './data')
    .option('--branch <id>', 'branch the booth will belong to (create it with `dualrec admin create-branch`)')
    .option('--ttl-hours <hours>', 'hours until the code expires', (v) => Number(v), 24)
    .action(async (o: { data: string; branch?: string; ttlHours: number }) => {
      await withArchive(o.data, { create: true }, async (archive) => {
        if (o.branch !== undefined) {
          const branchId = parseOrThrow(BranchId, o.branch, '--branch');
          const { code, expiresAt } = await new BranchAdmin(archive.db, openAuditLog(archive)).createEnrollmentCode(CLI_ACTOR, branchId, o.ttlHours);
          console.log(code);
          console.error(`one-time code for a booth of branch ${branchId}; expires ${expiresAt}`);
        } else {
          const { code, expiresAt } = await createEnrollmentCode(archive.db, { ttlHours: o.ttlHours, branchId: null, createdBy: 'cli' });
          console.log(code);
          console.error(`one-time code; expires ${expiresAt}. Without --branch the booth belongs to no branch: only head-office staff (branch scope '*') see its sessions.`);
        }
      });
    });
}
