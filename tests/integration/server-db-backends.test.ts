// The server database contract against both backends: SQLite files, and a real PostgreSQL (a
// throwaway cluster started for this file, or DUALREC_TEST_PG_URL), where every test gets its
// own database and its "instances" are separate connection pools.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openPostgres, openSqlite } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/log.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { catalogueDbSuite } from './catalogue-db.suite.js';
import { fleetDbSuite } from './fleet-db.suite.js';
import { serverDbSuite } from './server-db.suite.js';
import type { DbBackend } from './server-db.fixture.js';

let dir: string;
let pg: TestPostgres;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-dbbackends-'));
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const sqlite = (): DbBackend => ({
  dialect: 'sqlite',
  multiInstance: false,
  async fresh() {
    const path = join(dir, `server-${++n}.sqlite`);
    return { open: () => openSqlite<ServerDb>(path, serverMigrations('sqlite')) };
  },
});
serverDbSuite('SQLite', sqlite);
catalogueDbSuite('SQLite', sqlite);
fleetDbSuite('SQLite', sqlite);

const log = createLogger('test', 'silent');
const postgres = (): DbBackend => ({
  dialect: 'postgres',
  multiInstance: true,
  async fresh() {
    const { url } = await pg.createDatabase();
    return { open: () => openPostgres<ServerDb>({ url, poolSize: 5, log }, serverMigrations('postgres')) };
  },
});
serverDbSuite('PostgreSQL', postgres);
catalogueDbSuite('PostgreSQL', postgres);
fleetDbSuite('PostgreSQL', postgres);
