import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../../src/platform/db.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { auditLogSuite } from './audit-log.suite.js';

auditLogSuite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-audit-'));
  const path = join(dir, 'server.sqlite');
  const db = await openSqlite<ServerDb>(path, serverMigrations('sqlite'));
  return {
    db,
    // A second connection, as another server process would hold. Its busy timeout is 0: in one
    // Node thread a waiting connection would block the one holding the lock (in separate
    // processes the default timeout applies; tests/e2e/audit-instances.e2e.test.ts runs those).
    async another() {
      const sqlite = new Database(path);
      sqlite.pragma('busy_timeout = 0');
      return new Kysely<ServerDb>({ dialect: new SqliteDialect({ database: sqlite }) });
    },
    async close() {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
