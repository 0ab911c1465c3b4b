// The audit log contract on a real PostgreSQL (a throwaway cluster, or DUALREC_TEST_PG_URL): every
// test gets its own database; the "second instance" is a second connection pool.
import { afterAll, beforeAll } from 'vitest';
import { openPostgres } from '../../../src/platform/db.js';
import { createLogger } from '../../../src/platform/log.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { auditLogSuite } from './audit-log.suite.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

const log = createLogger('test', 'silent');
auditLogSuite('PostgreSQL', async () => {
  const { url } = await pg.createDatabase();
  const open = () => openPostgres<ServerDb>({ url, poolSize: 5, log }, serverMigrations('postgres'));
  const db = await open();
  return {
    db,
    another: open,
    async close() {
      await db.destroy();
    },
  };
});
