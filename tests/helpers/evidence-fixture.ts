// A server database and write-once store holding "archived" sessions whose rows and stored files
// are made directly (real SQLite, real FsBlobStore, real audit log): for retention, hold and
// deletion tests, where the media itself is not the subject. Export tests use a real recording.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { sha256Hex } from '../../src/core/chain.js';
import { openSqlite } from '../../src/platform/db.js';
import type { RetentionClass } from '../../src/protocol/retention.js';
import type { AdminActor } from '../../src/server/auth/admin-actor.js';
import { DbAuditLog } from '../../src/server/audit/db-audit-log.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { EvidenceDeletion } from '../../src/server/evidence/evidence-deletion.js';
import { noDerivedFiles, type DerivedFileSource } from '../../src/server/evidence/evidence-files.js';
import { LegalHolds } from '../../src/server/evidence/legal-holds.js';
import { RetentionService, type EvidenceDeps } from '../../src/server/evidence/retention.js';
import { segmentKey } from '../../src/server/ingest/views.js';
import type { BlobStore } from '../../src/server/storage/blob-store.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';

export interface EvidenceFixture {
  dir: string;
  db: Kysely<ServerDb>;
  store: FsBlobStore;
  audit: DbAuditLog;
  deps: EvidenceDeps;
  retention: RetentionService;
  holds: LegalHolds;
  deletion: EvidenceDeletion;
  /** Log lines written at warn and above. */
  warnings: Array<Record<string, unknown>>;
  /** Products the resolver knows. */
  classes: Map<string, RetentionClass>;
  /** Inserts an archived session of `branchId` (its booth is made on first use) with stored files. */
  archived(opts?: { branchId?: string | null; productId?: string; archivedAt?: string; status?: string; segments?: number }): Promise<string>;
  close(): Promise<void>;
}

export const actorOf = (audit: string, scope: AdminActor['scope'] = '*'): AdminActor => ({ audit, createdBy: audit, staffId: null, scope, name: audit });

/** Opens a migrated server database for the fixture; SQLite in the fixture's folder by default. */
export type OpenTestDb = (dir: string) => Promise<Kysely<ServerDb>>;

export const sqliteTestDb: OpenTestDb = (dir) => openSqlite<ServerDb>(join(dir, 'server.sqlite'), serverMigrations('sqlite'));

export async function openEvidenceFixture(opts: { derived?: DerivedFileSource; openDb?: OpenTestDb } = {}): Promise<EvidenceFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-evidence-'));
  const db = await (opts.openDb ?? sqliteTestDb)(dir);
  const store = new FsBlobStore(join(dir, 'store'));
  const warnings: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'warn' }, sink);
  const audit = new DbAuditLog(db);
  const deps: EvidenceDeps = { db, store, audit, derived: opts.derived ?? noDerivedFiles, log };
  const classes = new Map<string, RetentionClass>();
  const retention = new RetentionService(deps, async (p) => classes.get(p) ?? null);
  const booths = new Map<string | null, string>();
  const boothOf = async (branchId: string | null): Promise<string> => {
    const existing = booths.get(branchId) ?? (await boothIn(db, branchId));
    booths.set(branchId, existing);
    return existing;
  };

  return {
    dir,
    db,
    store,
    audit,
    deps,
    retention,
    holds: new LegalHolds(deps, retention),
    deletion: new EvidenceDeletion(deps, retention),
    warnings,
    classes,
    async archived(o = {}) {
      return insertArchivedSession(db, store, { ...o, boothId: await boothOf(o.branchId === undefined ? 'br-a' : o.branchId) });
    },
    async close() {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A booth of `branchId` (the branch is created when missing). */
export async function boothIn(db: Kysely<ServerDb>, branchId: string | null): Promise<string> {
  const now = new Date().toISOString();
  if (branchId) await db.insertInto('branches').values({ branch_id: branchId, name: branchId, created_at: now }).onConflict((oc) => oc.doNothing()).execute();
  const boothId = randomUUID();
  await db.insertInto('booths').values({ booth_id: boothId, name: `booth ${branchId}`, public_key: 'unused', token_sha256: sha256Hex(randomBytes(8)), enrolled_at: now, branch_id: branchId }).execute();
  return boothId;
}

/** Rows and stored files of a session as the archive leaves them (media bytes are random). */
export async function insertArchivedSession(
  db: Kysely<ServerDb>,
  store: BlobStore,
  o: { boothId: string; productId?: string; archivedAt?: string; startedAt?: string; status?: string; segments?: number; record?: unknown },
): Promise<string> {
  const sessionId = randomUUID();
  const archivedAt = o.archivedAt ?? new Date().toISOString();
  const status = o.status ?? 'archived';
  await db
    .insertInto('sessions')
    .values({ session_id: sessionId, booth_id: o.boothId, product_id: o.productId ?? 'fund-1', status, started_at: o.startedAt ?? archivedAt, ended_at: archivedAt, key_wrap_json: '{}', manifest_json: null, signature: null, failure: null, created_at: archivedAt })
    .execute();
  for (let seq = 0; seq < (o.segments ?? 2); seq++) {
    const bytes = randomBytes(64);
    await store.put(segmentKey(sessionId, seq), bytes);
    await db
      .insertInto('segments')
      .values({ segment_id: randomUUID(), session_id: sessionId, seq, sha256: sha256Hex(bytes), prev_link: '0'.repeat(64), link: '1'.repeat(64), bytes: bytes.length, storage_key: segmentKey(sessionId, seq), received_at: archivedAt })
      .execute();
  }
  if (status === 'archived') {
    const mp4 = randomBytes(256);
    await store.put(`archive/${sessionId}/recording.mp4`, mp4);
    await store.put(`archive/${sessionId}/record.json`, Buffer.from(JSON.stringify(o.record ?? { sessionId })));
    await db
      .insertInto('archives')
      .values({ session_id: sessionId, mp4_key: `archive/${sessionId}/recording.mp4`, mp4_sha256: sha256Hex(mp4), mp4_bytes: mp4.length, record_key: `archive/${sessionId}/record.json`, duration_sec: 4, archived_at: archivedAt })
      .execute();
  }
  return sessionId;
}
