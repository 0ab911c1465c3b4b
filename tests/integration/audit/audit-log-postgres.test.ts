// The audit log contract on a real PostgreSQL (a throwaway cluster, or DUALREC_TEST_PG_URL): every
// test gets its own database; the "second instance" is a second connection pool.
import { usePostgresServerDb } from '../../helpers/postgres-db.js';
import { auditLogSuite } from './audit-log.suite.js';

const freshDb = usePostgresServerDb();
auditLogSuite('PostgreSQL', async () => {
  const { db, open } = await freshDb();
  return {
    db,
    another: open,
    async close() {
      await db.destroy();
    },
  };
});
