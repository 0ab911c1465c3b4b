import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import type { RetentionView } from '../../protocol/evidence-api.js';
import { RETENTION_YEARS, RetentionClass } from '../../protocol/retention.js';
import type { AdminActor } from '../auth/admin-actor.js';
import type { DbAuditLog } from '../audit/db-audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import { assertScope } from './scope.js';
import { listEvidenceFiles, readArchivedSession, type DerivedFileSource } from './evidence-files.js';

/** The retention class of a product, or null when the catalogue does not know it. */
export type RetentionClassResolver = (productId: string) => Promise<RetentionClass | null>;

/** The retention class the catalogue gives a product (table products, migration 0004). */
export function catalogueRetentionClass(db: Kysely<ServerDb>): RetentionClassResolver {
  return async (productId) => {
    const row = await db.selectFrom('products').select('retention_class').where('product_id', '=', productId).executeTakeFirst();
    const parsed = RetentionClass.safeParse(row?.retention_class);
    return parsed.success ? parsed.data : null;
  };
}

/** Used when the product is unknown (with a warning in the log and in the audit entry). */
export const DEFAULT_RETENTION_CLASS: RetentionClass = 'banking-wm';

/** `archivedAt` plus the class's years (calendar years in UTC; 29 February moves to 1 March). */
export function retainUntilFor(archivedAt: string, cls: RetentionClass): string {
  const d = new Date(archivedAt);
  d.setUTCFullYear(d.getUTCFullYear() + RETENTION_YEARS[cls]);
  return d.toISOString();
}

export interface EvidenceDeps {
  db: Kysely<ServerDb>;
  store: BlobStore;
  audit: DbAuditLog;
  derived: DerivedFileSource;
  log: Logger;
}

export type RetentionRow = ServerDb['evidence_retention'];

export function retentionView(r: RetentionRow): RetentionView {
  return {
    retentionClass: RetentionClass.parse(r.retention_class),
    retainUntil: r.retain_until,
    activeHolds: Number(r.active_holds),
    filesProtected: r.files_protected_at !== null && (Number(r.active_holds) > 0) === (Number(r.store_hold) === 1),
    deletedAt: r.deleted_at,
  };
}

/**
 * Retention of archived evidence. When a session is archived it gets a retention record: its
 * product's class (through `resolveClass`), `retain_until` = archived time + the class's years,
 * and its branch; then every stored file is protected in the store until that date. Idempotent,
 * and `sweep()` finishes what a crash interrupted, so calling recordArchived() after archiving is
 * enough and calling nothing at all is caught up by the next sweep.
 */
export class RetentionService {
  constructor(
    private readonly deps: EvidenceDeps,
    private readonly resolveClass: RetentionClassResolver,
  ) {}

  /** The archive hook: records retention for an archived session and protects its files. */
  async recordArchived(sessionId: string): Promise<RetentionRow> {
    const row = await this.ensureRecorded(sessionId);
    await this.protectFiles(sessionId);
    await this.syncStoreHold(sessionId);
    return (await this.read(sessionId)) ?? row;
  }

  /** The retention record of an archived session, creating it when missing (ConflictError before archiving). */
  async ensureRecorded(sessionId: string): Promise<RetentionRow> {
    const existing = await this.read(sessionId);
    if (existing) return existing;
    const { db, log } = this.deps;
    const s = await readArchivedSession(db, sessionId);
    const booth = await db.selectFrom('booths').select('branch_id').where('booth_id', '=', s.boothId).executeTakeFirst();
    const resolved = await this.resolveClass(s.productId);
    const cls = resolved ?? DEFAULT_RETENTION_CLASS;
    if (!resolved) log.warn({ sessionId, productId: s.productId, retentionClass: cls }, 'product has no known retention class; using the default');
    const now = new Date().toISOString();
    const row: RetentionRow = {
      session_id: sessionId,
      branch_id: booth?.branch_id ?? null,
      retention_class: cls,
      archived_at: s.archivedAt,
      retain_until: retainUntilFor(s.archivedAt, cls),
      active_holds: 0,
      store_hold: 0,
      files_protected_at: null,
      deletion_started_at: null,
      deleted_at: null,
      deleted_by: null,
      recorded_at: now,
    };
    await this.deps.audit.transact(async (tx, audit) => {
      const inserted = await tx.insertInto('evidence_retention').values(row).onConflict((oc) => oc.column('session_id').doNothing()).executeTakeFirst();
      // Another instance recorded it first: its entry stands.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await audit({
        actor: 'system',
        action: 'retention.record',
        target: `session:${sessionId}`,
        branchId: row.branch_id,
        details: { retentionClass: cls, classSource: resolved ? 'product' : 'default', productId: s.productId, archivedAt: s.archivedAt, retainUntil: row.retain_until },
      });
    });
    return (await this.read(sessionId)) ?? row;
  }

  /**
   * The branch a session's evidence belongs to (its retention record's, else its booth's), for
   * scope checks made BEFORE anything is written. NotFoundError / ConflictError like readArchivedSession.
   */
  async branchOf(sessionId: string): Promise<string | null> {
    const r = await this.read(sessionId);
    if (r) return r.branch_id;
    const s = await readArchivedSession(this.deps.db, sessionId);
    const booth = await this.deps.db.selectFrom('booths').select('branch_id').where('booth_id', '=', s.boothId).executeTakeFirst();
    return booth?.branch_id ?? null;
  }

  async read(sessionId: string): Promise<RetentionRow | null> {
    return (await this.deps.db.selectFrom('evidence_retention').selectAll().where('session_id', '=', sessionId).executeTakeFirst()) ?? null;
  }

  /** Sets the record's retention date on every stored file (the store refuses to shorten one). */
  async protectFiles(sessionId: string): Promise<void> {
    const r = await this.read(sessionId);
    if (!r) throw new NotFoundError('retention.none', `session ${sessionId} has no retention record`);
    if (r.deletion_started_at) return;
    const files = await listEvidenceFiles(this.deps.db, await readArchivedSession(this.deps.db, sessionId), this.deps.derived);
    for (const f of files) await this.deps.store.protect(f.key, r.retain_until);
    await this.deps.db.updateTable('evidence_retention').set({ files_protected_at: new Date().toISOString() }).where('session_id', '=', sessionId).where('retain_until', '=', r.retain_until).execute();
  }

  /** Makes the files' legal hold flags match the record's active holds. */
  async syncStoreHold(sessionId: string): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const r = await this.read(sessionId);
      if (!r || r.deleted_at) return;
      const want = Number(r.active_holds) > 0 ? 1 : 0;
      if (Number(r.store_hold) === want) return;
      const files = await listEvidenceFiles(this.deps.db, await readArchivedSession(this.deps.db, sessionId), this.deps.derived);
      for (const f of files) await this.deps.store.setLegalHold(f.key, want === 1);
      // Only if no hold changed meanwhile; otherwise go round again.
      await this.deps.db.updateTable('evidence_retention').set({ store_hold: want }).where('session_id', '=', sessionId).where('active_holds', '=', r.active_holds).execute();
    }
    throw new ConflictError('retention.hold_churn', `the holds of session ${sessionId} keep changing; the store's hold flags will be set by the next sweep`);
  }

  /**
   * Keeps a session's evidence longer: `retainUntil` must be later than the current date (a
   * retention is never shortened). Audited; the files get the new date.
   */
  async extend(actor: AdminActor, sessionId: string, retainUntil: string, reason: string): Promise<RetentionRow> {
    assertScope(actor, await this.branchOf(sessionId), `session ${sessionId}`);
    const r = await this.ensureRecorded(sessionId);
    if (Date.parse(retainUntil) <= Date.parse(r.retain_until)) {
      throw new ConflictError('retention.not_later', `session ${sessionId} is retained until ${r.retain_until}; a retention can only be extended (asked for ${retainUntil})`);
    }
    await this.deps.audit.transact(async (tx, audit) => {
      const res = await tx
        .updateTable('evidence_retention')
        .set({ retain_until: retainUntil, files_protected_at: null })
        .where('session_id', '=', sessionId)
        .where('retain_until', '=', r.retain_until)
        .where('deletion_started_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('retention.changed', `the retention of session ${sessionId} changed meanwhile or its deletion has started; read it again`);
      await audit({ actor: actor.audit, action: 'retention.extend', target: `session:${sessionId}`, branchId: r.branch_id, details: { from: r.retain_until, to: retainUntil, reason } });
    });
    await this.protectFiles(sessionId);
    return (await this.read(sessionId))!;
  }

  /**
   * Catches up what the archive hook or a crash left undone: archived sessions without a record,
   * records whose files are not protected yet, hold flags that differ from the holds. Returns counts.
   */
  async sweep(limit = 500): Promise<{ recorded: number; protected: number; holdsSynced: number }> {
    const { db, log } = this.deps;
    const missing = await db
      .selectFrom('archives as a')
      .leftJoin('evidence_retention as r', 'r.session_id', 'a.session_id')
      .select('a.session_id')
      .where('r.session_id', 'is', null)
      .orderBy('a.archived_at')
      .limit(limit)
      .execute();
    for (const m of missing) await this.ensureRecorded(m.session_id);
    const unprotected = await db.selectFrom('evidence_retention').select('session_id').where('files_protected_at', 'is', null).where('deletion_started_at', 'is', null).limit(limit).execute();
    for (const u of unprotected) await this.protectFiles(u.session_id);
    const holds = await db
      .selectFrom('evidence_retention')
      .select('session_id')
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb.and([eb('active_holds', '>', 0), eb('store_hold', '=', 0)]), eb.and([eb('active_holds', '=', 0), eb('store_hold', '=', 1)])]))
      .limit(limit)
      .execute();
    for (const h of holds) await this.syncStoreHold(h.session_id);
    const counts = { recorded: missing.length, protected: unprotected.length, holdsSynced: holds.length };
    if (counts.recorded + counts.protected + counts.holdsSynced > 0) log.info(counts, 'retention sweep caught up');
    return counts;
  }
}
