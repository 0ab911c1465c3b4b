import type { Migration } from 'kysely/migration';
import { m0001 } from './0001-create-booth-tables.js';
import { m0002 } from './0002-segment-lifecycle.js';
import { m0003 } from './0003-session-timeline.js';
import { m0004 } from './0004-kiosk-flow.js';

/** Booth migrations in the order they apply. Never edit one that has shipped; add the next number. */
export const boothMigrations: Record<string, Migration> = {
  '0001-create-booth-tables': m0001,
  '0002-segment-lifecycle': m0002,
  '0003-session-timeline': m0003,
  '0004-kiosk-flow': m0004,
};
