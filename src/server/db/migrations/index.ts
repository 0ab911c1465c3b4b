import type { Migration } from 'kysely/migration';
import { ddlFor, type SqlDialect } from '../ddl.js';
import { m0001 } from './0001-create-server-tables.js';
import { m0002 } from './0002-booth-faults-status.js';
import { m0003 } from './0003-auth-staff-branches.js';
import { m0004 } from './0004-catalogue-customers.js';
import { m0005 } from './0005-evidence.js';
import { m0006 } from './0006-derived-files.js';
import { m0007 } from './0007-sfu-reservations.js';
import { m0008 } from './0008-fleet.js';
import { m0009 } from './0009-machine-review.js';
import { m0010 } from './0010-review-workflow.js';

/**
 * Server migrations in the order they apply, spelled for one database. Never edit one that has
 * shipped; add the next number. Each is written once for SQLite and PostgreSQL (see ../ddl.ts).
 */
export function serverMigrations(dialect: SqlDialect = 'sqlite'): Record<string, Migration> {
  const d = ddlFor(dialect);
  return {
    '0001-create-server-tables': m0001(d),
    '0002-booth-faults-status': m0002(d),
    '0003-auth-staff-branches': m0003(d),
    '0004-catalogue-customers': m0004(d),
    '0005-evidence': m0005(d),
    '0006-derived-files': m0006(d),
    '0007-sfu-reservations': m0007(d),
    '0008-fleet': m0008(d),
    '0009-machine-review': m0009(d),
    '0010-review-workflow': m0010(d),
  };
}
