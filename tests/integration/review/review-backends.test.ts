// The review assignment contract on SQLite files and on a real PostgreSQL (a throwaway cluster for
// this file, or DUALREC_TEST_PG_URL), where "instances" are separate connection pools.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openSqlite } from '../../../src/platform/db.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { usePostgresServerDb } from '../../helpers/postgres-db.js';
import { reviewAssignmentSuite } from './review-assignment.suite.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-review-db-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
reviewAssignmentSuite(() => ({
  name: 'SQLite',
  multiInstance: false,
  async fresh() {
    const path = join(dir, `review-${++n}.sqlite`);
    const open = () => openSqlite<ServerDb>(path, serverMigrations('sqlite'));
    return { db: await open(), open };
  },
}));

const pgDb = usePostgresServerDb();
reviewAssignmentSuite(() => ({ name: 'PostgreSQL', multiInstance: true, fresh: pgDb }));
