import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DualrecError } from '../core/errors.js';

export interface OpenSqliteOptions {
  /** `FULL` survives power loss; `NORMAL` (WAL) survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * Opens an SQLite database in WAL mode through Kysely and applies the given numbered migrations.
 * Migration names must sort in the order they apply (`0001-...`, `0002-...`).
 */
export async function openSqlite<DB>(path: string, migrations: Record<string, Migration>, opts: OpenSqliteOptions = {}): Promise<Kysely<DB>> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DualrecError('db.migration_failed', `database ${path}: migration ${failed} failed: ${String(error)}`, undefined, { cause: error });
  }
  return db;
}
