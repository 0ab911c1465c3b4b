// A real PostgreSQL for tests: a throwaway cluster (initdb into a temp folder, pg_ctl start on a
// free 127.0.0.1 port, unix socket in the same folder, scram password auth), or the server named by
// DUALREC_TEST_PG_URL (a superuser or CREATEDB role; each test file gets its own database there).
// Without PostgreSQL binaries the tests fail and say to run scripts/setup.sh: never skipped.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestDatabase {
  /** postgres://… URL of a fresh, empty database. */
  url: string;
  name: string;
}

export interface TestPostgres {
  /** Creates a fresh database (dropped by stop()). */
  createDatabase(): Promise<TestDatabase>;
  /** What started and how long it took, ms (for the report). */
  readonly timings: { initdbMs: number; startMs: number };
  readonly version: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL for one test file (or connects to DUALREC_TEST_PG_URL). */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env.DUALREC_TEST_PG_URL;
  if (external) return wrap(external, { initdbMs: 0, startMs: 0 }, async () => undefined);
  return startCluster();
}

/** The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (Debian's layout). */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/<version>/bin. Run scripts/setup.sh (it installs Debian\'s postgresql package), or set DUALREC_TEST_PG_URL to a PostgreSQL server the tests may create databases on.');
  }
  return join(root, versions[0]!, 'bin');
}

async function startCluster(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  // initdb refuses to run as root: run the cluster as the postgres user then, owning its folder.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUser('postgres') : null;
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const sh = (cmd: string, args: string[]) => (owner ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const t0 = Date.now();
  let started = false;
  const stopNow = () => {
    if (!started) return;
    started = false;
    const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    execFileSync(owner ? 'runuser' : join(bin, 'pg_ctl'), owner ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore' });
  };
  try {
    await sh('initdb', ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const initdbMs = Date.now() - t0;
    const t1 = Date.now();
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      // Durability off: a test cluster trades crash safety for speed.
      const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      try {
        await sh('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
        started = true;
        break;
      } catch (err) {
        const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
        if (attempt >= 3 || !/could not bind|already in use/i.test(log)) throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log.slice(-2000)}`, { cause: err });
      }
    }
    process.once('exit', stopNow);
    const timings = { initdbMs, startMs: Date.now() - t1 };
    return await wrap(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, timings, async () => {
      process.removeListener('exit', stopNow);
      if (started) {
        started = false;
        await sh('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      }
      await rm(dir, { recursive: true, force: true });
    });
  } catch (err) {
    stopNow();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function wrap(adminUrl: string, timings: TestPostgres['timings'], shutdown: () => Promise<void>): Promise<TestPostgres> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const version = ((await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!).server_version;
  const created: string[] = [];
  return {
    timings,
    version,
    async createDatabase() {
      const name = `dualrec_test_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
      created.push(name);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      return { url: u.toString(), name };
    },
    async stop() {
      for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await shutdown();
    },
  };
}

function systemUser(name: string): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root, the test PostgreSQL must run as the "${name}" user (initdb refuses root), but that user does not exist. Run scripts/setup.sh (Debian's postgresql package creates it).`);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
