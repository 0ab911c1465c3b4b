// Staff authentication and authorisation on a real server (real SQLite, argon2id, jose, the real
// auth hook): login, refresh, logout and disable revoke at once; roles and branch scope; enrollment
// codes tie booths to a branch; the `dualrec admin` bootstrap; start-up refuses an unguarded route.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminCommand } from '../../src/cli/commands/admin.js';
import { main } from '../../src/cli/main.js';
import { createHttpApp } from '../../src/platform/http.js';
import { createLogger } from '../../src/platform/log.js';
import type { AccessTokenResponse, EnrollmentCodeResponse, StaffList, StaffView } from '../../src/protocol/staff-api.js';
import { auditByAction } from '../helpers/audit.js';
import { AccessTokens } from '../../src/server/auth/access-tokens.js';
import { installRouteAuth } from '../../src/server/auth/route-auth.js';
import { SigningKeys } from '../../src/server/auth/signing-keys.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { ensureBranches, staffLogin, TEST_PASSWORD } from '../helpers/staff.js';

let dir: string;
let server: Server;
const audit = () => ({ byAction: (action: string) => auditByAction(server.audit, action) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-staff-'));
  server = await Server.create(parseServerConfig({ dataDir: dir, port: 0 }), { log: createLogger('server', 'silent') });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, opts: { headers?: Record<string, string>; payload?: unknown } = {}) =>
  server.http.inject({ method, url: `/api/v1${url}`, headers: opts.headers, payload: opts.payload as object | undefined });

describe('login, refresh, logout', () => {
  it('logs in, answers /auth/me from the database, audits, and logout revokes the token at once', async () => {
    const s = await staffLogin(server, { roles: ['reviewer'], branches: ['br-north'] });
    expect(s.tokenType).toBe('Bearer');
    expect(Date.parse(s.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);
    const me = await inject('GET', '/auth/me', { headers: s.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ staffId: s.principal.staffId, username: s.username, roles: ['reviewer'], branches: ['br-north'] });
    expect((await audit().byAction('auth.login')).some((e) => e.actor === `staff:${s.principal.staffId}`)).toBe(true);

    const out = await inject('POST', '/auth/logout', { headers: s.headers });
    expect(out.statusCode).toBe(204);
    const again = await inject('GET', '/auth/me', { headers: s.headers });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('auth.revoked');
    expect((await audit().byAction('auth.logout')).at(-1)?.target).toBe(`staff:${s.principal.staffId}`);
  });

  it('refresh gives a new token for the same login, which logout also ends', async () => {
    const s = await staffLogin(server, { roles: ['remote_staff'], branches: '*' });
    const r = await inject('POST', '/auth/refresh', { headers: s.headers });
    expect(r.statusCode).toBe(200);
    const fresh = r.json<AccessTokenResponse>();
    expect(fresh.sessionExpiresAt).toBe(s.sessionExpiresAt);
    const h2 = { authorization: `Bearer ${fresh.accessToken}` };
    expect((await inject('GET', '/auth/me', { headers: h2 })).statusCode).toBe(200);
    await inject('POST', '/auth/logout', { headers: h2 });
    expect((await inject('GET', '/auth/me', { headers: s.headers })).statusCode).toBe(401);
    expect((await inject('GET', '/auth/me', { headers: h2 })).statusCode).toBe(401);
  });

  it('wrong password and unknown user get the same 401, are audited, and an expired token says so', async () => {
    const s = await staffLogin(server, { roles: ['reviewer'], branches: '*' });
    const bad = await inject('POST', '/auth/login', { payload: { username: s.username, password: 'wrong password 123' } });
    const unknown = await inject('POST', '/auth/login', { payload: { username: 'nobody-here', password: 'wrong password 123' } });
    expect(bad.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(bad.json()).toEqual(unknown.json());
    expect(bad.json().error.message).toMatch(/username or password is wrong/);
    const failed = (await audit().byAction('auth.login_failed'));
    expect(failed.some((e) => e.target === `staff:${s.principal.staffId}` && e.details?.reason === 'bad_password')).toBe(true);
    expect(failed.some((e) => e.target === 'username:nobody-here' && e.details?.reason === 'unknown_user')).toBe(true);
    expect(JSON.stringify(failed)).not.toContain('wrong password 123');

    const expired = await new AccessTokens(await SigningKeys.open(server.archive.db), -60).issue(s.principal.staffId, '00000000-0000-4000-8000-000000000000', new Date(Date.now() + 3600_000));
    const r = await inject('GET', '/auth/me', { headers: { authorization: `Bearer ${expired.token}` } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('auth.expired');
  });

  it('after 5 failed logins for a username, even the right password gets 429 until the window ends', async () => {
    const s = await staffLogin(server, { roles: ['reviewer'], branches: '*' });
    for (let i = 0; i < 5; i++) expect((await inject('POST', '/auth/login', { payload: { username: s.username, password: `guess ${i} xxxxxxxx` } })).statusCode).toBe(401);
    const r = await inject('POST', '/auth/login', { payload: { username: s.username, password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(429);
    expect(r.json().error).toMatchObject({ code: 'auth.throttled', message: expect.stringMatching(new RegExp(`too many failed logins for ${s.username}; try again in \\d+ s`)) });
  });
});

describe('accounts, roles and branch scope', () => {
  it('disabling an account ends its logins at once; a role change applies on the next request', async () => {
    const root = await staffLogin(server, { roles: ['admin'], branches: '*' });
    const s = await staffLogin(server, { roles: ['admin', 'reviewer'], branches: '*' });
    expect((await inject('GET', '/staff', { headers: s.headers })).statusCode).toBe(200);
    const demote = await inject('PATCH', `/staff/${s.principal.staffId}`, { headers: root.headers, payload: { roles: ['reviewer'] } });
    expect(demote.statusCode).toBe(200);
    const denied = await inject('GET', '/staff', { headers: s.headers });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.role', message: expect.stringMatching(/needs one of the roles admin/) });

    const dis = await inject('PATCH', `/staff/${s.principal.staffId}`, { headers: root.headers, payload: { disabled: true } });
    expect(dis.json<StaffView>().disabled).toBe(true);
    expect((await inject('GET', '/auth/me', { headers: s.headers })).statusCode).toBe(401);
    expect((await inject('POST', '/auth/login', { payload: { username: s.username, password: TEST_PASSWORD } })).statusCode).toBe(401);
    expect((await audit().byAction('staff.disable')).at(-1)?.target).toBe(`staff:${s.principal.staffId}`);

    const self = await inject('PATCH', `/staff/${root.principal.staffId}`, { headers: root.headers, payload: { disabled: true } });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('staff.self_lockout');
  });

  it('a branch admin manages only its branch: staff, grants, enrollment codes; head office creates branches', async () => {
    await ensureBranches(server, ['br-east', 'br-west']);
    const east = await staffLogin(server, { roles: ['admin'], branches: ['br-east'] });
    const ok = await inject('POST', '/staff', { headers: east.headers, payload: { username: 'east-teller', password: TEST_PASSWORD, roles: ['booth_staff'], branches: ['br-east'] } });
    expect(ok.statusCode).toBe(201);
    expect((await audit().byAction('staff.create')).at(-1)).toMatchObject({ actor: `staff:${east.principal.staffId}`, branchId: 'br-east' });

    const west = await inject('POST', '/staff', { headers: east.headers, payload: { username: 'west-teller', password: TEST_PASSWORD, roles: ['booth_staff'], branches: ['br-west'] } });
    expect(west.statusCode).toBe(403);
    expect(west.json().error.message).toMatch(/may not grant branches br-west/);
    const star = await inject('POST', '/staff', { headers: east.headers, payload: { username: 'east-star', password: TEST_PASSWORD, roles: ['reviewer'], branches: '*' } });
    expect(star.statusCode).toBe(403);

    const listed = (await inject('GET', '/staff', { headers: east.headers })).json<StaffList>().staff;
    expect(listed.every((v) => v.branches !== '*' && v.branches.every((b) => b === 'br-east'))).toBe(true);
    expect(listed.map((v) => v.username)).toContain('east-teller');

    const westStaff = await staffLogin(server, { roles: ['booth_staff'], branches: ['br-west'] });
    const touch = await inject('PATCH', `/staff/${westStaff.principal.staffId}`, { headers: east.headers, payload: { disabled: true } });
    expect(touch.statusCode).toBe(403);

    expect((await inject('POST', '/branches/br-west/enrollment-codes', { headers: east.headers, payload: {} })).statusCode).toBe(403);
    const code = await inject('POST', '/branches/br-east/enrollment-codes', { headers: east.headers, payload: { ttlHours: 2 } });
    expect(code.statusCode).toBe(201);
    expect(code.json<EnrollmentCodeResponse>().branchId).toBe('br-east');
    expect(JSON.stringify((await audit().byAction('booth.enroll_code')))).not.toContain(code.json<EnrollmentCodeResponse>().code);

    const br = await inject('POST', '/branches', { headers: east.headers, payload: { branchId: 'br-new', name: 'New' } });
    expect(br.statusCode).toBe(403);
    expect(br.json().error.code).toBe('auth.head_office');
    const branches = await inject('GET', '/branches', { headers: east.headers });
    expect(branches.json().branches.map((b: { branchId: string }) => b.branchId)).toEqual(['br-east']);
  });

  it('a booth enrolled with a branch code belongs to that branch; the code works once', async () => {
    const root = await staffLogin(server, { roles: ['admin'], branches: '*' });
    expect((await inject('POST', '/branches', { headers: root.headers, payload: { branchId: 'br-south', name: 'South' } })).statusCode).toBe(201);
    expect((await inject('POST', '/branches', { headers: root.headers, payload: { branchId: 'br-south', name: 'South' } })).statusCode).toBe(409);
    const { code } = (await inject('POST', '/branches/br-south/enrollment-codes', { headers: root.headers, payload: {} })).json<EnrollmentCodeResponse>();
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const r = await inject('POST', '/booths/enroll', { payload: { code, name: 'south-1', publicKey } });
    expect(r.statusCode).toBe(201);
    const row = await server.archive.db.selectFrom('booths').select('branch_id').where('booth_id', '=', r.json().boothId).executeTakeFirstOrThrow();
    expect(row.branch_id).toBe('br-south');
    expect((await inject('POST', '/booths/enroll', { payload: { code, name: 'south-2', publicKey } })).statusCode).toBe(403);
  });
});

describe('dualrec admin and enroll-code', () => {
  it('creates the first admin from stdin, a branch, and a branch enrollment code', async () => {
    const cmd = adminCommand(undefined, Readable.from([`${TEST_PASSWORD}\n`]));
    cmd.exitOverride();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await cmd.parseAsync(['create-staff', '--data', dir, '--username', 'first-admin', '--role', 'admin', '--branch', '*', '--password-stdin'], { from: 'user' });
      expect(JSON.parse(String(out.mock.calls.at(-1)?.[0]))).toMatchObject({ username: 'first-admin', roles: ['admin'], branches: '*' });
      expect(await main(['admin', 'create-branch', '--data', dir, '--id', 'br-cli', '--name', 'CLI branch'])).toBe(0);
      expect(await main(['enroll-code', '--data', dir, '--branch', 'br-cli'])).toBe(0);
      expect(String(out.mock.calls.at(-1)?.[0])).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
      expect(await main(['enroll-code', '--data', dir, '--branch', 'no-such-branch'])).toBe(1);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/no branch no-such-branch/);
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
    const r = await inject('POST', '/auth/login', { payload: { username: 'first-admin', password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(200);
    const codes = await server.archive.db.selectFrom('enrollment_codes').select(['branch_id', 'created_by']).where('branch_id', '=', 'br-cli').execute();
    expect(codes).toEqual([{ branch_id: 'br-cli', created_by: 'cli' }]);
  });

  it('refuses a weak password or several lines on stdin, naming the problem', async () => {
    const cmd = adminCommand(undefined, Readable.from(['short\n']));
    await expect(cmd.parseAsync(['create-staff', '--data', dir, '--username', 'weak', '--role', 'admin', '--branch', '*', '--password-stdin'], { from: 'user' })).rejects.toThrow(/password: password must be at least 12 characters/);
    const two = adminCommand(undefined, Readable.from(['a long enough password\nsecond line\n']));
    await expect(two.parseAsync(['create-staff', '--data', dir, '--username', 'weak', '--role', 'admin', '--branch', '*', '--password-stdin'], { from: 'user' })).rejects.toThrow(/reads one line/);
  });
});

describe('start-up', () => {
  it('fails when a route declares no config.auth, or a staff route names no role', async () => {
    const guard = server.auth.guard;
    const booth = async () => {
      throw new Error('unused');
    };
    const app = createHttpApp(createLogger('t', 'silent'), { bodyLimit: 1024 });
    installRouteAuth(app, { guard, booth });
    expect(() => app.get('/open', async () => 'x')).toThrow(/route GET \/open declares no config.auth/);
    expect(() => app.get('/nobody', { config: { auth: { kind: 'staff', roles: [] } } }, async () => 'x')).toThrow(/staff route naming no role/);
    await app.close();
  });
});
