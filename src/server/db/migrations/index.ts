import type { Migration } from 'kysely/migration';
import { m0001 } from './0001-create-server-tables.js';
import { m0002 } from './0002-booth-faults-status.js';

/** Server migrations in the order they apply. Never edit one that has shipped; add the next number. */
export const serverMigrations: Record<string, Migration> = {
  '0001-create-server-tables': m0001,
  '0002-booth-faults-status': m0002,
};
