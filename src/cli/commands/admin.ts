import { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { CreateBranchRequest, CreateStaffRequest } from '../../protocol/staff-api.js';
import { withArchive } from './util.js';
import { CLI_ACTOR } from '../../server/auth/admin-actor.js';
import { BranchAdmin } from '../../server/auth/branch-admin.js';
import { StaffAdmin } from '../../server/auth/staff-admin.js';
import { openAuditLog } from '../../server/server.js';

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Reads a password from stdin (one line; the trailing newline is dropped). Passwords never go on argv. */
async function readPasswordFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (text.includes('\n')) throw new ValidationError('cli.password', '--password-stdin reads one line; the input has several');
  return text;
}

/**
 * `dualrec admin …`: account and branch bootstrap against the server's data folder directly (whoever
 * can read that folder already holds the server's keys), so a new install can create its first admin.
 */
export function adminCommand(_setExit?: (code: number) => void, stdin: NodeJS.ReadableStream = process.stdin): Command {
  const admin = new Command('admin').description('manage staff accounts and branches in the server data folder (first admin, recovery)');

  admin
    .command('create-staff')
    .description('create a staff account; the password is read from stdin')
    .option('--data <dir>', 'server data folder', './data')
    .requiredOption('--username <name>', 'login name (lowercase)')
    .requiredOption('--role <role>', 'booth_staff, remote_staff, reviewer, supervisor or admin (repeat or comma-separate)', collect, [])
    .requiredOption('--branch <id>', "branch scope: '*' for head office, or branch ids (repeat or comma-separate)", collect, [])
    .requiredOption('--password-stdin', 'read the password from stdin (required: passwords never go on the command line)')
    .action(async (o: { data: string; username: string; role: string[]; branch: string[] }) => {
      const branches = o.branch.length === 1 && o.branch[0] === '*' ? '*' : o.branch;
      const req = parseOrThrow(CreateStaffRequest, { username: o.username, roles: o.role, branches, password: await readPasswordFromStdin(stdin) }, 'staff account');
      await withArchive(o.data, { create: true }, async (archive) => {
        const view = await new StaffAdmin(archive.db, openAuditLog(archive)).create(CLI_ACTOR, req);
        console.log(JSON.stringify(view));
        console.error(`created ${view.username} (${view.roles.join(', ')}; branches ${view.branches === '*' ? "'*' (head office)" : view.branches.join(', ')})`);
      });
    });

  admin
    .command('create-branch')
    .description('create a branch')
    .option('--data <dir>', 'server data folder', './data')
    .requiredOption('--id <branchId>', 'branch id: lowercase letters, digits, dashes')
    .requiredOption('--name <name>', 'display name')
    .action(async (o: { data: string; id: string; name: string }) => {
      const req = parseOrThrow(CreateBranchRequest, { branchId: o.id, name: o.name }, 'branch');
      await withArchive(o.data, { create: true }, async (archive) => {
        console.log(JSON.stringify(await new BranchAdmin(archive.db, openAuditLog(archive)).create(CLI_ACTOR, req)));
      });
    });

  return admin;
}
