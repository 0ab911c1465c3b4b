import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { describePostgresUrl, openPostgres, openSqlite } from '../platform/db.js';
import { createLogger, type Logger } from '../platform/log.js';
import { databaseFromEnv, type DatabaseConfig } from './config.js';
import type { ServerDb } from './db/schema.js';
import { serverMigrations } from './db/migrations/index.js';
import { FileKeyProvider } from './keys/file-key-provider.js';
import type { KeyProvider } from './keys/key-provider.js';
import type { BlobStore } from './storage/blob-store.js';
import { openBlobStore } from './storage/open-blob-store.js';

/** The server's persistent parts: database, evidence store, archive key. */
export interface ArchiveStore {
  dataDir: string;
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
  close(): Promise<void>;
}

export interface OpenArchiveStoreOptions {
  /** Make what is missing (first start); without, fail if the archive key is absent. */
  create: boolean;
  /** Default: DUALREC_DATABASE_URL when set (PostgreSQL), else SQLite in the data folder. */
  database?: DatabaseConfig;
  log?: Logger;
}

/**
 * Opens the data folder: the database (`server.sqlite` there, or PostgreSQL), the write-once
 * evidence store (`store/`, or S3 when DUALREC_S3_BUCKET is set), `keys/archive-rsa.pem` and
 * `keys/archive-ed25519.pem`.
 */
export async function openArchiveStore(dataDir: string, opts: OpenArchiveStoreOptions): Promise<ArchiveStore> {
  if (opts.create) makePrivate(dataDir, opts.log);
  const keys = FileKeyProvider.open(dataDir, opts);
  const db = await openServerDb(dataDir, opts.database ?? databaseFromEnv() ?? { kind: 'sqlite' }, opts.log ?? createLogger('db', process.env.DUALREC_LOG_LEVEL ?? 'warn'));
  const store = openBlobStore(dataDir);
  let closed = false;
  return {
    dataDir,
    db,
    store,
    keys,
    async close() {
      if (closed) return;
      closed = true;
      store.close?.();
      await db.destroy();
    },
  };
}

/** Opens and migrates the server database the config names. */
export async function openServerDb(dataDir: string, database: DatabaseConfig, log: Logger): Promise<Kysely<ServerDb>> {
  switch (database.kind) {
    case 'sqlite':
      return openSqlite<ServerDb>(join(dataDir, 'server.sqlite'), serverMigrations('sqlite'), { synchronous: 'FULL' });
    case 'postgres': {
      const db = await openPostgres<ServerDb>({ url: database.url, poolSize: database.poolSize, connectTimeoutMs: database.connectTimeoutMs, log }, serverMigrations('postgres'));
      log.info({ database: describePostgresUrl(database.url), poolSize: database.poolSize }, 'PostgreSQL database open');
      return db;
    }
    default:
      return database satisfies never;
  }
}

/**
 * The data folder holds the archive private key, the token signing key and password hashes (in
 * server.sqlite): only the server's own user may enter it. Created 0700; an existing folder that
 * others can read is narrowed to 0700, with a warning.
 */
function makePrivate(dataDir: string, log: Logger | undefined): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    chmodSync(dataDir, 0o700);
    (log ?? createLogger('server')).warn({ dataDir, was: mode.toString(8) }, 'the data folder was readable by other users; narrowed to 0700');
  }
}
