// Shared set-up for the server database contract: fresh databases, and "instances" (server parts on
// their own database handle) sharing one database, one storage folder and one archive key.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterEach } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import type { SqlDialect } from '../../src/server/db/ddl.js';
import { dialectOf } from '../../src/server/db/portable.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { BoothReports } from '../../src/server/ingest/booth-reports.js';
import { IngestService } from '../../src/server/ingest/ingest-service.js';
import { FileKeyProvider } from '../../src/server/keys/file-key-provider.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { enrollTestBooth, type TestBooth } from '../helpers/ingest-fixture.js';

export interface DbBackend {
  dialect: SqlDialect;
  /** True when every open() handle may be its own server instance (PostgreSQL). SQLite serves one server process, so its two "instances" share one handle. */
  multiInstance: boolean;
  /** A fresh, empty database; open() opens (and migrates) one more handle on it. */
  fresh(): Promise<{ open(): Promise<Kysely<ServerDb>> }>;
}

/** Two server instances (index 0 and 1) on one database, storage folder and archive key. */
export interface Cluster {
  dbs: Kysely<ServerDb>[];
  /** Opens one more handle on the same database (the caller closes it). */
  open(): Promise<Kysely<ServerDb>>;
  ingest: IngestService[];
  reports: BoothReports[];
  keys: FileKeyProvider;
  booth: TestBooth;
}

export interface BackendFixture {
  /** `n` handles on one fresh database, opened at the same time; closed after the test. */
  open(n: number): Promise<Kysely<ServerDb>[]>;
  cluster(): Promise<Cluster>;
}


const log = createLogger('test', 'silent');

/** Registers the per-test clean-up and returns the set-up functions. Call inside a describe. */
export function useBackend(backend: () => DbBackend): BackendFixture {
  const cleanup: Array<() => Promise<unknown>> = [];
  let last: Awaited<ReturnType<DbBackend['fresh']>> | null = null;
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function open(n: number): Promise<Kysely<ServerDb>[]> {
    const b = backend();
    const fresh = await b.fresh();
    last = fresh;
    // PostgreSQL handles open at the same time (instances starting together race to migrate);
    // SQLite's migrator takes no lock across connections, so its handles open one after another.
    const dbs: Kysely<ServerDb>[] = [];
    if (b.multiInstance) dbs.push(...(await Promise.all(Array.from({ length: n }, () => fresh.open()))));
    else for (let i = 0; i < n; i++) dbs.push(await fresh.open());
    for (const db of dbs) cleanup.push(() => db.destroy());
    return dbs;
  }

  async function cluster(): Promise<Cluster> {
    const b = backend();
    const opened = await open(b.multiInstance ? 2 : 1);
    const fresh = last!;
    const dbs = b.multiInstance ? opened : [opened[0]!, opened[0]!];
    const dir = await mkdtemp(join(tmpdir(), 'dualrec-dbsuite-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const keys = FileKeyProvider.open(dir, { create: true });
    const store = new FsBlobStore(join(dir, 'store'));
    const ingest = dbs.map((db) => new IngestService(db, store, keys, log));
    const reports = dbs.map((db) => new BoothReports(db, log));
    return { dbs, open: () => fresh.open(), ingest, reports, keys, booth: await enrollTestBooth(ingest[0]!) };
  }

  return { open, cluster };
}

/** Starts `f(0) … f(n-1)` at once and waits for all of them. */
export function race<T>(n: number, f: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(Array.from({ length: n }, (_, i) => f(i)));
}

/**
 * Starts `requests` while the session row is held, and lets go once each of them is waiting (or
 * done): their transactions then overlap as closely as they can, every time. PostgreSQL: another
 * connection holds the row `FOR UPDATE` and watches pg_stat_activity. SQLite: a transaction holds
 * the server's one connection for 300 ms, so the requests queue behind it.
 */
export async function whileHeld<T>(c: Cluster, sessionId: string, requests: Array<() => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
  let settled = 0;
  const start = () =>
    Promise.allSettled(
      requests.map((r) =>
        r().finally(() => {
          settled++;
        }),
      ),
    );
  if (dialectOf(c.dbs[0]!) === 'sqlite') {
    const { running } = await c.dbs[0]!.transaction().execute(async (tx) => {
      await tx.selectFrom('sessions').select('status').where('session_id', '=', sessionId).execute();
      const running = start();
      await new Promise((r) => setTimeout(r, 300));
      return { running };
    });
    return running;
  }
  const gate = await c.open();
  try {
    const { running } = await gate.transaction().execute(async (tx) => {
      await tx.selectFrom('sessions').select('status').where('session_id', '=', sessionId).forUpdate().execute();
      const running = start();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const r = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(tx);
        if (r.rows[0]!.n + settled >= requests.length) break;
        if (Date.now() > deadline) throw new Error('timed out waiting for the requests to wait on the held session row');
        await new Promise((r) => setTimeout(r, 10));
      }
      return { running };
    });
    return await running;
  } finally {
    await gate.destroy();
  }
}
