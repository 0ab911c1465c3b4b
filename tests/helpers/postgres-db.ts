// A throwaway PostgreSQL for one test file (started before its tests, stopped after), and fresh
// migrated server databases on it: every call of the returned function is a new database.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { openPostgres } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/log.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { startPostgres, type TestPostgres } from './postgres.js';

/** Registers the cluster's start and stop; the result opens a fresh database, and `open` more handles on it. */
export function usePostgresServerDb(): () => Promise<{ db: Kysely<ServerDb>; open: () => Promise<Kysely<ServerDb>> }> {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  const log = createLogger('test', 'silent');
  return async () => {
    const { url } = await pg.createDatabase();
    const open = () => openPostgres<ServerDb>({ url, poolSize: 5, log }, serverMigrations('postgres'));
    return { db: await open(), open };
  };
}
