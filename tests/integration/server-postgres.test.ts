// The whole server on a real PostgreSQL (a throwaway cluster, or DUALREC_TEST_PG_URL): a real
// booth records, syncs and archives through one server, then through two server instances on one
// database and one storage folder behind a round-robin load balancer (and staff logins there).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { DependencyError } from '../../src/core/errors.js';
import { createLogger } from '../../src/platform/log.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { freePort, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { RoundRobinProxy } from '../helpers/round-robin.js';
import { startStack, waitFor } from '../helpers/stack.js';
import { staffLogin } from '../helpers/staff.js';

const level = () => process.env.DUALREC_LOG_LEVEL ?? 'silent';
let pg: TestPostgres;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  pg = await startPostgres();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
afterAll(async () => {
  await pg?.stop();
});

const postgres = (url: string) => ({ kind: 'postgres' as const, url, poolSize: 4 });

/** Records ~3 segments of 2 s on the booth, stops, and waits until the server archived the session. */
async function recordAndArchive(booth: Booth): Promise<string> {
  const { sessionId } = (await booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
  await waitFor(async () => ((await booth.state()).session?.segmentsAcknowledged ?? 0) >= 3, 30_000, 'three acknowledged segments');
  await booth.handle({ type: 'stopSession' });
  await waitFor(async () => (await booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
  return sessionId;
}

describe('server on PostgreSQL', () => {
  it('records, syncs and archives a session from a real booth', async () => {
    const { url } = await pg.createDatabase();
    const stack = await startStack({ segmentSeconds: 2, server: { database: postgres(url) } });
    cleanup.push(() => stack.close());
    const sessionId = await recordAndArchive(stack.booth);
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    expect(report.problems).toEqual([]);
    const db = stack.server.archive.db;
    const segments = await db.selectFrom('segments').select(['seq', 'bytes']).where('session_id', '=', sessionId).orderBy('seq').execute();
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(segments.every((s, i) => s.seq === i && typeof s.bytes === 'number' && s.bytes > 0)).toBe(true);
    expect(await db.selectFrom('jobs').select(['state', 'attempts']).where('session_id', '=', sessionId).where('kind', '=', 'finalize').execute()).toEqual([{ state: 'done', attempts: 1 }]);
    // Archiving queued the machine review in the same transaction (issue 8).
    expect(await db.selectFrom('jobs').select('kind').where('session_id', '=', sessionId).where('kind', '=', 'machine_review').execute()).toHaveLength(1);
  });

  it('serves one booth from two instances on one database and storage folder behind a load balancer', async () => {
    const { url } = await pg.createDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'dualrec-pg2-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const config = parseServerConfig({ dataDir: join(dir, 'server'), port: 0, jobPollMs: 100, database: postgres(url) });
    // The first instance creates the archive key in the shared folder; the second loads it.
    const servers: Server[] = [];
    for (const name of ['a', 'b']) {
      const s = await Server.create(config, { log: createLogger(`server-${name}`, level()) });
      cleanup.push(() => s.close());
      servers.push(s);
    }
    expect(servers[1]!.archive.keys.keyId).toBe(servers[0]!.archive.keys.keyId);
    const proxy = await RoundRobinProxy.start(await Promise.all(servers.map((s) => s.listen())));
    cleanup.push(() => proxy.close());
    const { code } = await servers[1]!.ingest.createEnrollmentCode(1);
    const booth = await Booth.create(
      parseBoothConfig({
        name: 'lb-booth',
        dataDir: join(dir, 'booth'),
        server: { url: proxy.url, enrollmentCode: code },
        bridge: { enabled: false },
        capture: { screen: 'none', segmentSeconds: 2 },
        sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000 },
      }),
      { log: createLogger('booth', level()) },
    );
    cleanup.push(() => booth.close());
    const sessionId = await recordAndArchive(booth);

    const uploads = [...proxy.served.values()].map((reqs) => reqs.filter((r) => r.startsWith(`PUT /api/v1/sessions/${sessionId}/segments/`)).length);
    expect(uploads.every((n) => n >= 1), `segment uploads per instance: ${uploads.join(', ')}`).toBe(true);
    // One archive job, run once, by whichever instance claimed it; both instances see the result.
    expect(await servers[0]!.archive.db.selectFrom('jobs').select(['state', 'attempts']).where('session_id', '=', sessionId).where('kind', '=', 'finalize').execute()).toEqual([{ state: 'done', attempts: 1 }]);
    for (const s of servers) expect((await verifyArchivedSession(s.archive, s.ffmpeg, sessionId)).problems).toEqual([]);

    // Staff logins hold across instances: signing keys, logins and failure counts are in the database.
    const [a, b] = servers as [Server, Server];
    const login = await staffLogin(a, { roles: ['reviewer'], branches: '*' });
    const me = (s: Server) => s.http.inject({ method: 'GET', url: '/api/v1/auth/me', headers: login.headers });
    expect((await me(b)).statusCode).toBe(200);
    const wrong = await b.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: login.username, password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(await a.archive.db.selectFrom('login_failures').select('failures').where('username', '=', login.username).execute()).toEqual([{ failures: 1 }]);
    expect((await b.http.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: login.headers })).statusCode).toBe(204);
    expect((await me(a)).statusCode).toBe(401);
  });

  it('refuses to start when the database is unreachable or refuses the login, naming where but never the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dualrec-pgbad-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const closed = await freePort();
    const start = (dbUrl: string) => Server.create(parseServerConfig({ dataDir: dir, port: 0, database: { ...postgres(dbUrl), connectTimeoutMs: 2000 } }), { log: createLogger('server', 'silent') });
    const down = await start(`postgres://alice:s3cr3t-pw@127.0.0.1:${closed}/archive`).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(DependencyError);
    expect((down as Error).message).toMatch(new RegExp(`cannot open the PostgreSQL database "archive" at 127\\.0\\.0\\.1:${closed} as alice: .*ECONNREFUSED`));
    expect((down as Error).message).not.toContain('s3cr3t-pw');
    const real = new URL((await pg.createDatabase()).url);
    real.password = 'wrong-password-123';
    const refused = await start(real.toString()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DependencyError);
    expect((refused as Error).message).toMatch(/password authentication failed/);
    expect((refused as Error).message).not.toContain('wrong-password-123');
  });
});
