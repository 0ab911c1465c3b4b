import type { Migration } from 'kysely/migration';
import { m0001 } from './0001-create-booth-tables.js';

/** Booth migrations in the order they apply. Never edit one that has shipped; add the next number. */
export const boothMigrations: Record<string, Migration> = {
  '0001-create-booth-tables': m0001,
};
