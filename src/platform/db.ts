import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { DependencyError, DualrecError } from '../core/errors.js';
import type { Logger } from './log.js';

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
  await migrate(db, migrations, `database ${path}`);
  return db;
}

export interface OpenPostgresOptions {
  /** `postgres://user[:password]@host[:port]/database[?sslmode=…]`; without a password, pg reads PGPASSWORD. */
  url: string;
  /** Connections this process keeps at most. */
  poolSize: number;
  /** How long to wait for a connection before failing, ms. */
  connectTimeoutMs?: number;
  /** Receives errors of idle pooled connections (a restarted database); the pool replaces them. */
  log: Logger;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * int8 (BIGINT, COUNT(*)) and numeric (SUM of BIGINT) come back as JS numbers, so rows look the
 * same as SQLite's. Values past 2^53 would lose precision; the server stores byte counts and ids
 * far below that.
 */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((oid === PG_INT8 || oid === PG_NUMERIC) && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/**
 * Opens a PostgreSQL database through Kysely with a connection pool and applies the migrations.
 * Several processes may open it at once: Kysely's PostgreSQL adapter holds an advisory lock while
 * migrating, so each migration runs exactly once. An unreachable database is a DependencyError
 * naming host, port, database and user (never the password).
 */
export async function openPostgres<DB>(opts: OpenPostgresOptions, migrations: Record<string, Migration>): Promise<Kysely<DB>> {
  const where = describePostgresUrl(opts.url);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    application_name: 'dualrec',
    types: pgTypes,
  });
  pool.on('error', (err) => opts.log.warn({ err: redact(err.message, opts.url), database: where }, 'idle PostgreSQL connection failed; the pool replaces it'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new DependencyError('db.unreachable', `cannot open the PostgreSQL database ${where}: ${redact(reasonOf(err), opts.url)}`, undefined, { cause: err });
  }
  await migrate(db, migrations, `PostgreSQL database ${where}`);
  return db;
}

/** `user@host:port/database` of a PostgreSQL URL, without the password; for logs and errors. */
export function describePostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(unparseable URL)';
  }
  const host = u.hostname || u.searchParams.get('host') || process.env.PGHOST || 'localhost';
  const user = decodeURIComponent(u.username) || process.env.PGUSER || '(default user)';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  return `"${database}" at ${host}:${u.port || '5432'} as ${user}`;
}

async function migrate<DB>(db: Kysely<DB>, migrations: Record<string, Migration>, where: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DualrecError('db.migration_failed', `${where}: migration ${failed} failed: ${String(error)}`, undefined, { cause: error });
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reasonOf(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const text = err.message || String(code ?? err.name);
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(err);
}

/** Removes the URL's password from a message, whatever echoed it. */
function redact(message: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message.replaceAll(url, '(database URL)');
  }
  return password ? message.replaceAll(password, '***') : message;
}
