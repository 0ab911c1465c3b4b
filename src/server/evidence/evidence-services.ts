import type { Kysely } from 'kysely';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import { PeriodicTask } from '../../platform/periodic.js';
import { signAuditHead } from '../audit/audit-checkpoint.js';
import { listDerivedFiles } from '../archive/derived-files.js';
import { listScreenshotFiles } from '../review/screenshots/screenshot-store.js';
import { DbAuditLog } from '../audit/db-audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { KeyProvider } from '../keys/key-provider.js';
import type { BlobStore } from '../storage/blob-store.js';
import { EvidenceDeletion } from './evidence-deletion.js';
import { noDerivedFiles, type DerivedFileSource } from './evidence-files.js';
import { EvidenceReader } from './evidence-reader.js';
import { LegalHolds } from './legal-holds.js';
import type { AdminActor } from '../auth/admin-actor.js';
import { prepareExport, type ExportDeps, type ExportOptions, type PreparedExport } from './package/export-package.js';
import { catalogueRetentionClass, RetentionService, type EvidenceDeps, type RetentionClassResolver } from './retention.js';

export interface EvidenceServicesOptions {
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
  ff: FfmpegInfo;
  log: Logger;
  /** The product's retention class (default: the catalogue's products table); unknown products get banking-wm with a warning. */
  resolveClass?: RetentionClassResolver;
  /** The finalize step's derived files of a session (table derived_files); none by default. */
  derived?: DerivedFileSource;
  /** The audit log to use (default: a DbAuditLog on `db`). */
  audit?: DbAuditLog;
}

/** Everything about stored evidence, built once per server instance (or CLI command). */
export interface EvidenceServices {
  audit: DbAuditLog;
  retention: RetentionService;
  holds: LegalHolds;
  deletion: EvidenceDeletion;
  reader: EvidenceReader;
  exportDeps: ExportDeps;
  prepareExport(actor: AdminActor, sessionId: string, opts?: ExportOptions): Promise<PreparedExport>;
  /** Runs retention.sweep() now and every `everyMs` (close() stops it). */
  startSweep(everyMs: number): PeriodicTask<unknown>;
  /** Signs the audit log's head with the archive key now and every `everyMs` (audit-checkpoint.ts). */
  startCheckpoints(everyMs: number): PeriodicTask<unknown>;
}

export function createEvidenceServices(o: EvidenceServicesOptions): EvidenceServices {
  const audit = o.audit ?? new DbAuditLog(o.db, { log: o.log.child({ part: 'audit' }) });
  const deps: EvidenceDeps = { db: o.db, store: o.store, audit, derived: o.derived ?? noDerivedFiles, log: o.log.child({ part: 'evidence' }) };
  const retention = new RetentionService(deps, o.resolveClass ?? catalogueRetentionClass(o.db));
  const holds = new LegalHolds(deps, retention);
  const exportDeps: ExportDeps = { ...deps, keys: o.keys, ff: o.ff, retention };
  return {
    audit,
    retention,
    holds,
    deletion: new EvidenceDeletion(deps, retention),
    reader: new EvidenceReader(deps, retention, holds),
    exportDeps,
    prepareExport: (actor, sessionId, opts) => prepareExport(exportDeps, actor, sessionId, opts),
    startSweep(everyMs) {
      const task = new PeriodicTask(() => retention.sweep(), everyMs, (err) => deps.log.error({ err }, 'retention sweep failed'));
      task.start();
      return task;
    },
    startCheckpoints(everyMs) {
      const task = new PeriodicTask(() => signAuditHead(audit, o.keys), everyMs, (err) => deps.log.error({ err }, 'audit checkpoint failed'));
      task.start();
      return task;
    },
  };
}

/**
 * The evidence services of an opened data folder: the ONE place the server and the `dualrec`
 * commands build them, so both use the same retention classes (the catalogue's) and derived files
 * (the finalize step's derived_files rows, and the screenshots sampled for review).
 */
export function openEvidence(archive: { db: Kysely<ServerDb>; store: BlobStore; keys: KeyProvider }, ff: FfmpegInfo, log: Logger, audit?: DbAuditLog): EvidenceServices {
  return createEvidenceServices({ db: archive.db, store: archive.store, keys: archive.keys, ff, log, audit, derived: async (sessionId) => [...(await listDerivedFiles(archive.db, sessionId)), ...(await listScreenshotFiles(archive.db, sessionId))] });
}
