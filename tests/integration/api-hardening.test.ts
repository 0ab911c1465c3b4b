// API hardening against the real server (Server.create on a temp folder, real SQLite, the real
// auth hook). It ENUMERATES every registered route (server.http.routeAuth, filled by the onRoute
// hook), so routes added later are covered without touching this file. Every rejected request
// must get a 4xx naming the problem and change nothing: every table is dumped before and after.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffRole } from '../../src/protocol/staff.js';
import { AccessTokens } from '../../src/server/auth/access-tokens.js';
import type { RouteAuthEntry } from '../../src/server/auth/route-auth.js';
import { SigningKeys } from '../../src/server/auth/signing-keys.js';
import type { Server } from '../../src/server/server.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { rawHttp } from '../helpers/raw-http.js';
import { staffLogin } from '../helpers/staff.js';

const MAX_SEGMENT = 64 * 1024;
const JSON_LIMIT = 4 * 1024 * 1024;
const LOGIN_PER_IP = 40;

type Headers = Record<string, string>;
let dir: string;
let server: Server;
let base: URL;
let booth: { headers: Headers; boothId: string; sessionId: string };
let byRole: Record<StaffRole, Headers>;
/** Every role, head office. */
let everything: Headers;
/** Every role, scoped to br-b only. */
let everythingB: Headers;
let adminA: Headers;
let staffIdB: string;
let expired: Headers;
let revoked: Headers;

const bearer = (t: string): Headers => ({ authorization: `Bearer ${t}` });

let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await openApiFixture({ maxSegmentBytes: MAX_SEGMENT, loginMaxPerIpPerMinute: LOGIN_PER_IP });
  ({ dir, server, base, booth } = fixture);
  byRole = Object.fromEntries(await Promise.all(StaffRole.options.map(async (r) => [r, (await staffLogin(server, { roles: [r], branches: '*' })).headers]))) as Record<StaffRole, Headers>;
  const all = await staffLogin(server, { roles: [...StaffRole.options], branches: '*' });
  everything = all.headers;
  const allB = await staffLogin(server, { roles: [...StaffRole.options], branches: ['br-b'] });
  everythingB = allB.headers;
  staffIdB = allB.principal.staffId;
  adminA = (await staffLogin(server, { roles: ['admin'], branches: ['br-a'] })).headers;
  expired = bearer((await new AccessTokens(await SigningKeys.open(server.archive.db), -60).issue(all.principal.staffId, randomUUID(), new Date(Date.now() + 3600_000))).token);
  const gone = await staffLogin(server, { roles: [...StaffRole.options], branches: '*' });
  expect((await server.http.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: gone.headers })).statusCode).toBe(204);
  revoked = gone.headers;
});

afterAll(async () => {
  await fixture?.close();
});

/** Every row of every table, the stored files, and the audit entries kept in memory. */
async function dump(): Promise<string> {
  const db = server.archive.db;
  const tables = (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db)).rows.map((r) => r.name);
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t)}`.execute(db)).rows.map((r) => JSON.stringify(r)).sort();
  out.files = [...(await readdir(join(dir, 'store'), { recursive: true }).catch(() => []))].sort();
  out.audit = (server.audit as { entries?: unknown[] }).entries?.length ?? null;
  return JSON.stringify(out);
}

/** Runs `body`, then requires the database, store and audit to be exactly as before. */
async function changesNothing(body: () => Promise<void>): Promise<void> {
  const before = await dump();
  await body();
  expect(await dump()).toBe(before);
}

const routes = (): readonly RouteAuthEntry[] => server.http.routeAuth;
const guarded = () => routes().filter((r) => r.auth.kind !== 'public');
const hasBody = (r: RouteAuthEntry) => ['POST', 'PUT', 'PATCH'].includes(r.method);

/** A concrete URL for a route: known params get real ids, others a well-formed UUID. */
function urlOf(r: RouteAuthEntry, override: Record<string, string> = {}): string {
  const values: Record<string, string> = { sessionId: booth.sessionId, seq: '0', staffId: staffIdB, branchId: 'br-a', boothId: booth.boothId, ...override };
  return r.url.replace(/:([A-Za-z0-9_]+)/g, (_m, p: string) => values[p] ?? randomUUID());
}

/** Credentials that pass a route's auth (head-office staff with every role, or the booth). */
function allowed(r: RouteAuthEntry): Headers {
  return r.auth.kind === 'booth' ? booth.headers : r.auth.kind === 'staff' ? everything : {};
}

interface Outcome {
  route: string;
  status: number;
  code: string | undefined;
  message: string | undefined;
}

async function call(r: RouteAuthEntry, opts: Omit<InjectOptions, 'method' | 'url'> & { url?: string } = {}): Promise<Outcome> {
  const url = opts.url ?? urlOf(r);
  const res = await server.http.inject({ ...opts, method: r.method as InjectOptions['method'], url });
  const body = res.body && res.headers['content-type']?.toString().includes('json') ? (res.json() as { error?: { code: string; message: string } }) : {};
  return { route: `${r.method} ${r.url}`, status: res.statusCode, code: body.error?.code, message: body.error?.message };
}

/** Collects every outcome that breaks `ok`, so one failure lists all offending routes. */
async function everyRoute(list: readonly RouteAuthEntry[], run: (r: RouteAuthEntry) => Promise<Array<Outcome & { ok: boolean }>>): Promise<Outcome[]> {
  const bad: Outcome[] = [];
  for (const r of list) for (const o of await run(r)) if (!o.ok) bad.push({ route: o.route, status: o.status, code: o.code, message: o.message });
  return bad;
}

/** `o` has `status`, a non-empty message and a matching code (HEAD answers carry no body: status only). */
function is(o: Outcome, status: number, code?: RegExp): Outcome & { ok: boolean } {
  const bodyOk = o.route.startsWith('HEAD ') || ((o.message ?? '').length > 0 && (!code || code.test(o.code ?? '')));
  return { ...o, ok: o.status === status && bodyOk };
}

describe('route table', () => {
  it('lists every route with its auth, including the booth and staff APIs', () => {
    const names = routes().map((r) => `${r.method} ${r.url} ${r.auth.kind}`);
    expect(names).toEqual(expect.arrayContaining(['POST /api/v1/sessions booth', 'PUT /api/v1/sessions/:sessionId/segments/:seq booth', 'POST /api/v1/auth/login public', 'POST /api/v1/staff staff', 'POST /api/v1/branches/:branchId/enrollment-codes staff']));
    // The only public routes: health, login, enrollment (the one-time code is the credential), the
    // SFU signalling socket (the one-time ticket an authenticated route issued is the credential),
    // the static remote-assistance console page with its assets, and the built web pages under /ui/
    // (static files without data; their API calls carry the token), and review media links (the
    // signed, short-lived token an authenticated route issued is the credential).
    const mediaPublic = ['GET /api/v1/media/:token', 'HEAD /api/v1/media/:token'];
    const sfuPublic = ['GET /api/v1/sfu/ws', 'HEAD /api/v1/sfu/ws', 'GET /console/remote/', 'HEAD /console/remote/', 'GET /assets/:file', 'HEAD /assets/:file'];
    expect(routes().filter((r) => r.auth.kind === 'public').map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      ['GET /api/v1/health', 'GET /healthz', 'HEAD /api/v1/health', 'HEAD /healthz', 'POST /api/v1/auth/login', 'POST /api/v1/booths/enroll', 'GET /ui/*', 'HEAD /ui/*', ...sfuPublic, ...mediaPublic].sort(),
    );
  });
});

describe('authentication', () => {
  it('every non-public route answers 401 without credentials or with a garbage, expired or revoked token', async () => {
    const garbage = ['Bearer ', 'Bearer garbage', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz', `Bearer ${'A'.repeat(43)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'];
    await changesNothing(async () => {
      const bad = await everyRoute(guarded(), async (r) => [
        is(await call(r), 401, /^auth\.missing$/),
        ...(await Promise.all(garbage.map(async (g) => is(await call(r, { headers: { authorization: g } }), 401)))),
        is(await call(r, { headers: expired }), 401, r.auth.kind === 'staff' ? /^auth\.expired$/ : /^auth\./),
        is(await call(r, { headers: revoked }), 401, r.auth.kind === 'staff' ? /^auth\.revoked$/ : /^auth\./),
      ]);
      expect(bad).toEqual([]);
    });
  });

  it('a booth token on a staff route and a staff token on a booth route get 401', async () => {
    await changesNothing(async () => {
      const bad = await everyRoute(guarded(), async (r) => [is(await call(r, { headers: r.auth.kind === 'staff' ? booth.headers : everything }), 401)]);
      expect(bad).toEqual([]);
    });
  });
});

describe('authorisation', () => {
  it('a valid staff token without any of the route roles gets 403 on every staff route', async () => {
    await changesNothing(async () => {
      const bad = await everyRoute(
        guarded().filter((r) => r.auth.kind === 'staff'),
        async (r) => {
          const roles = r.auth.kind === 'staff' ? r.auth.roles : [];
          const others = StaffRole.options.filter((x) => !roles.includes(x));
          return Promise.all(others.map(async (role) => is(await call(r, { headers: byRole[role] }), 403, /^auth\.role$/)));
        },
      );
      expect(bad).toEqual([]);
    });
  });

  it('an allowed token passes the guard on every route (the 401/403 above are not vacuous)', async () => {
    // Fresh logins for the session routes (one of them is logout); more logins than that would
    // meet the login rate limit once there are more staff routes than it allows per minute.
    const bad = await everyRoute(guarded(), async (r) => {
      const fresh = r.url.startsWith('/api/v1/auth/');
      const headers = r.auth.kind === 'booth' ? booth.headers : fresh ? (await staffLogin(server, { roles: [...StaffRole.options], branches: '*' })).headers : everything;
      const o = await call(r, { headers });
      return [{ ...o, ok: o.status !== 401 && o.status !== 403 && o.status < 500 }];
    });
    expect(bad).toEqual([]);
  });

  it('every route naming a :branchId answers 403 to staff scoped to another branch', async () => {
    const withBranch = guarded().filter((r) => r.auth.kind === 'staff' && r.url.includes(':branchId'));
    expect(withBranch.length).toBeGreaterThan(0);
    await changesNothing(async () => {
      const bad = await everyRoute(withBranch, async (r) => [is(await call(r, { headers: everythingB, url: urlOf(r, { branchId: 'br-a' }), payload: {} }), 403, /^auth\.branch$/)]);
      expect(bad).toEqual([]);
    });
  });

  it('a branch admin cannot touch another branch: its staff, grants, codes, or new branches', async () => {
    const post = (url: string, payload: object, headers = adminA) => server.http.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
    await changesNothing(async () => {
      const results = [
        await server.http.inject({ method: 'PATCH', url: `/api/v1/staff/${staffIdB}`, headers: adminA, payload: { disabled: true } }),
        await post('/staff', { username: 'sneaky-b', password: 'long enough password', roles: ['reviewer'], branches: ['br-b'] }),
        await post('/staff', { username: 'sneaky-star', password: 'long enough password', roles: ['admin'], branches: '*' }),
        await post('/branches/br-b/enrollment-codes', {}),
        await post('/branches', { branchId: 'br-c', name: 'C' }),
      ];
      expect(results.map((r) => [r.statusCode, r.json().error.code])).toEqual([
        [403, 'auth.branch'],
        [403, 'auth.branch'],
        [403, 'auth.branch'],
        [403, 'auth.branch'],
        [403, 'auth.head_office'],
      ]);
    });
  });
});

describe('bad input changes nothing', () => {
  it('malformed JSON gets 400 on every route that takes a body', async () => {
    await changesNothing(async () => {
      const bad = await everyRoute(routes().filter(hasBody), async (r) => [
        is(await call(r, { headers: { ...allowed(r), 'content-type': 'application/json' }, payload: '{"a": ', remoteAddress: '198.51.100.1' }), 400, /^request\.malformed_json$/),
      ]);
      expect(bad).toEqual([]);
    });
  });

  it('an oversized body gets 413 on every route that takes one (JSON over 4 MiB, a segment over the limit)', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(JSON_LIMIT) });
    await changesNothing(async () => {
      const bad = await everyRoute(routes().filter(hasBody), async (r) => [
        is(await call(r, { headers: { ...allowed(r), 'content-type': 'application/json' }, payload: big, remoteAddress: '198.51.100.2' }), 413, /^request\.too_large$/),
        ...(r.url.includes('/segments/') ? [is(await call(r, { headers: { ...allowed(r), 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(MAX_SEGMENT + 1) }), 413, /^request\.too_large$/)] : []),
      ]);
      expect(bad).toEqual([]);
    });
  });

  it('an oversized body without credentials is refused with 401 before it is read', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(JSON_LIMIT) });
    await changesNothing(async () => {
      const bad = await everyRoute(guarded().filter(hasBody), async (r) => [is(await call(r, { headers: { 'content-type': 'application/json' }, payload: big }), 401)]);
      expect(bad).toEqual([]);
    });
  });

  it('path-traversal ids (../, %2e%2e, %2f, %5c) in every path parameter get 4xx over real HTTP', async () => {
    const evil = ['..', '%2e%2e', '%2E%2E', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f', '..%5c..', 'a%2fb', '....//x', '../../etc/passwd', '.%2e'];
    await changesNothing(async () => {
      const bad: Outcome[] = [];
      for (const r of routes().filter((x) => x.url.includes(':'))) {
        for (const param of [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)) {
          for (const e of evil) {
            const path = urlOf(r, { [param]: e });
            const headers = { ...allowed(r), ...(hasBody(r) ? { 'content-type': 'application/json' } : {}) };
            const res = await rawHttp(base, r.method, path, { headers, ...(hasBody(r) ? { body: '{}' } : {}) });
            const ok = res.status >= 400 && res.status < 500 && (r.method === 'HEAD' || (res.body.error?.message ?? '').length > 0);
            if (!ok) bad.push({ route: `${r.method} ${path}`, status: res.status, code: res.body.error?.code, message: res.body.error?.message });
          }
        }
      }
      expect(bad).toEqual([]);
    });
  });
});

describe('replays', () => {
  it('a one-time enrollment code used twice, a logged-out token, and a second logout change nothing', async () => {
    const root = await staffLogin(server, { roles: ['admin'], branches: '*' });
    const { code } = (await server.http.inject({ method: 'POST', url: '/api/v1/branches/br-b/enrollment-codes', headers: root.headers, payload: {} })).json<{ code: string }>();
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const enroll = () => server.http.inject({ method: 'POST', url: '/api/v1/booths/enroll', payload: { code, name: 'replay', publicKey } });
    expect((await enroll()).statusCode).toBe(201);
    expect((await server.http.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: root.headers })).statusCode).toBe(204);
    await changesNothing(async () => {
      const again = await enroll();
      expect([again.statusCode, again.json().error.code]).toEqual([403, 'enroll.bad_code']);
      expect(again.json().error.message).toMatch(/unknown, already used or expired/);
      for (const url of ['/api/v1/auth/logout', '/api/v1/auth/refresh']) {
        const r = await server.http.inject({ method: 'POST', url, headers: root.headers });
        expect([r.statusCode, r.json().error.code]).toEqual([401, 'auth.revoked']);
      }
      const create = await server.http.inject({ method: 'POST', url: '/api/v1/branches/br-b/enrollment-codes', headers: root.headers, payload: {} });
      expect(create.statusCode).toBe(401);
    });
  });
});

describe('login rate limit', () => {
  it(`the attempt after ${LOGIN_PER_IP} in a minute from one address gets 429; other addresses still log in`, async () => {
    const ip = '203.0.113.77';
    const attempt = (n: number, remoteAddress = ip) => server.http.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { username: `nobody-${n}`, password: 'not the password' } });
    for (let i = 0; i < LOGIN_PER_IP; i++) expect((await attempt(i)).statusCode).toBe(401);
    const over = await attempt(LOGIN_PER_IP);
    expect(over.statusCode).toBe(429);
    expect(over.json().error).toMatchObject({ code: 'auth.rate_limited', message: expect.stringMatching(/too many login attempts from this address; try again in \d+ s$/) });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(0, '203.0.113.78')).statusCode).toBe(401);
  });
});
