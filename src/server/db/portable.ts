import { PostgresAdapter, SqliteAdapter, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { SqlDialect } from './ddl.js';

/**
 * What differs between the two databases at run time, in one place: which one a handle talks to,
 * how a unique-key violation looks, and row locks.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema: only the adapter is read
type AnyDb = Kysely<any>;

/** The database behind a Kysely handle (or transaction). */
export function dialectOf(db: AnyDb): SqlDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  throw new Error(`unsupported database adapter ${adapter.constructor.name}`);
}

/** SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY (better-sqlite3); PostgreSQL: SQLSTATE 23505 (pg). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** SQLite: SQLITE_CONSTRAINT_FOREIGNKEY (better-sqlite3); PostgreSQL: SQLSTATE 23503 (pg). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export type RowLock = 'update' | 'share';

/**
 * Locks the selected rows until the transaction ends, for `$call` on a select inside a transaction:
 * `tx.selectFrom('sessions')…$call(lockRows(tx, 'update'))`.
 * - PostgreSQL: `FOR UPDATE` (excludes every other lock, for the writer that decides) or
 *   `FOR SHARE` (excludes FOR UPDATE and updates, so several writers that only need the row to stay
 *   as read can proceed together). A waiting transaction then sees the committed row.
 * - SQLite: nothing to add: the server opens one connection, and Kysely runs its transactions one
 *   at a time on it, so a transaction's reads stay true until it commits.
 */
export function lockRows(db: AnyDb, mode: RowLock) {
  const dialect = dialectOf(db);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any select query
  return <QB extends SelectQueryBuilder<any, any, any>>(qb: QB): QB => {
    if (dialect === 'sqlite') return qb;
    return (mode === 'update' ? qb.forUpdate() : qb.forShare()) as QB;
  };
}
