import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { openSqlite } from '../platform/db.js';
import type { ServerDb } from './db/schema.js';
import { serverMigrations } from './db/migrations/index.js';
import { FileKeyProvider } from './keys/file-key-provider.js';
import type { KeyProvider } from './keys/key-provider.js';
import type { BlobStore } from './storage/blob-store.js';
import { FsBlobStore } from './storage/fs-blob-store.js';

/** The server's persistent parts: database, evidence store, archive key. */
export interface ArchiveStore {
  dataDir: string;
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
  close(): Promise<void>;
}

/**
 * Opens the data folder: `server.sqlite`, `store/` (write-once evidence), `keys/archive-rsa.pem`.
 * With `create`, makes what is missing (first start); without, fails if the key is absent.
 */
export async function openArchiveStore(dataDir: string, opts: { create: boolean }): Promise<ArchiveStore> {
  const keys = FileKeyProvider.open(dataDir, opts);
  const db = await openSqlite<ServerDb>(join(dataDir, 'server.sqlite'), serverMigrations(), { synchronous: 'FULL' });
  const store = new FsBlobStore(join(dataDir, 'store'));
  let closed = false;
  return {
    dataDir,
    db,
    store,
    keys,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
