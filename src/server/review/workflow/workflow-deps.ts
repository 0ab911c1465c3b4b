import type { Kysely } from 'kysely';
import type { Logger } from '../../../platform/log.js';
import type { DbAuditLog } from '../../audit/db-audit-log.js';
import type { ServerDb } from '../../db/schema.js';
import type { ReviewConfig } from './review-config.js';
import type { Webhooks } from './webhooks.js';

/** What every part of the review workflow works with. */
export interface WorkflowDeps {
  db: Kysely<ServerDb>;
  audit: DbAuditLog;
  webhooks: Webhooks;
  config: ReviewConfig;
  log: Logger;
  now: () => Date;
  /** Called after a transaction wrote webhook deliveries (wakes the delivery worker). */
  onOutbox: () => void;
}

/** `staff:<uuid>`: the audit actor of a staff member. */
export const staffAuditActor = (staffId: string) => `staff:${staffId}`;
