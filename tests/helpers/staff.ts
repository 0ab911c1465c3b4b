// Staff accounts and tokens for route tests: create an account the way the CLI does (head-office
// actor) and log in through the real HTTP API, so tests hold real, revocable staff tokens.
import type { BranchScope, StaffRole } from '../../src/protocol/staff.js';
import type { AccessTokenResponse } from '../../src/protocol/staff-api.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import type { Server } from '../../src/server/server.js';

export const TEST_PASSWORD = 'correct horse battery staple';

let n = 0;

/** Creates branches that do not exist yet (head-office actor). */
export async function ensureBranches(server: Server, ids: readonly string[]): Promise<void> {
  const existing = new Set((await server.auth.branches.list({ scope: '*' })).map((b) => b.branchId));
  for (const id of ids) if (!existing.has(id)) await server.auth.branches.create(CLI_ACTOR, { branchId: id, name: `Branch ${id}` });
}

/** Creates a staff account (and its branches) and logs it in over the API; returns the login. */
export async function staffLogin(
  server: Server,
  opts: { roles: StaffRole[]; branches: BranchScope; username?: string; password?: string },
): Promise<AccessTokenResponse & { username: string; password: string; headers: { authorization: string } }> {
  const username = opts.username ?? `staff-${process.pid}-${++n}`;
  const password = opts.password ?? TEST_PASSWORD;
  if (opts.branches !== '*') await ensureBranches(server, opts.branches);
  await server.auth.staff.create(CLI_ACTOR, { username, password, roles: opts.roles, branches: opts.branches });
  const res = await server.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
  const login = res.json<AccessTokenResponse>();
  return { ...login, username, password, headers: { authorization: `Bearer ${login.accessToken}` } };
}
