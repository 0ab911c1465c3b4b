// The review workflow on a real database (SQLite or PostgreSQL), a real write-once store and
// archive key, with a clock the test moves: staff rows and logins made directly, archived sessions
// as evidence-fixture makes them, and as many workflow "instances" (each on its own handle) as needed.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { createLogger } from '../../src/platform/log.js';
import type { BranchScope, StaffPrincipal, StaffRole } from '../../src/protocol/staff.js';
import { DbAuditLog } from '../../src/server/audit/db-audit-log.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { FileKeyProvider } from '../../src/server/keys/file-key-provider.js';
import { ReviewConfig } from '../../src/server/review/workflow/review-config.js';
import { ReviewWorkflow } from '../../src/server/review/workflow/review-workflow.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { boothIn, insertArchivedSession } from './evidence-fixture.js';
import { MemoryMachineReports, MemoryScreenshots, reportOf } from './review-ports.js';

export interface TestStaff {
  principal: StaffPrincipal;
  staffId: string;
  loginId: string;
}

export interface ReviewFixture {
  db: Kysely<ServerDb>;
  store: FsBlobStore;
  keys: FileKeyProvider;
  audit: DbAuditLog;
  reports: MemoryMachineReports;
  screenshots: MemoryScreenshots;
  /** The first instance, on `db`. */
  workflow: ReviewWorkflow;
  clock: { now: Date; advance(ms: number): void };
  /** Another instance of the workflow on `db2` (another handle on the same database). */
  instance(db2: Kysely<ServerDb>): Promise<ReviewWorkflow>;
  staff(opts: { roles?: StaffRole[]; branches: BranchScope; username?: string }): Promise<TestStaff>;
  /** Marks `s` online now (a heartbeat). */
  online(s: TestStaff, w?: ReviewWorkflow): Promise<void>;
  archived(branchId: string | null, o?: { productId?: string; startedAt?: string; record?: unknown }): Promise<string>;
  /** An archived session whose machine review reported `verdict` (queued, or passed). */
  reviewed(branchId: string | null, verdict?: 'pass' | 'needs_review' | 'fail'): Promise<string>;
  /** Assigned items per staff id. */
  loads(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export async function openReviewFixture(db: Kysely<ServerDb>, config: z.input<typeof ReviewConfig> = {}): Promise<ReviewFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-review-'));
  const store = new FsBlobStore(join(dir, 'store'));
  const keys = FileKeyProvider.open(dir, { create: true });
  const audit = new DbAuditLog(db);
  const reports = new MemoryMachineReports();
  const screenshots = new MemoryScreenshots();
  const clock = {
    now: new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const cfg = ReviewConfig.parse({ sweepMs: 3_600_000, ...config, webhooks: { pollMs: 600_000, ...config.webhooks } });
  const log = createLogger('test', process.env.DUALREC_LOG_LEVEL ?? 'silent');
  const make = (d: Kysely<ServerDb>) => ReviewWorkflow.create({ db: d, store, keys, audit: d === db ? audit : new DbAuditLog(d), config: cfg, ports: { reports, screenshots }, log, now: () => clock.now });
  const workflow = await make(db);
  const booths = new Map<string | null, string>();
  const instances: ReviewWorkflow[] = [workflow];
  let n = 0;
  const fixture: ReviewFixture = {
    db,
    store,
    keys,
    audit,
    reports,
    screenshots,
    workflow,
    clock,
    async instance(db2) {
      const w = await make(db2);
      instances.push(w);
      return w;
    },
    async staff(o) {
      const staffId = randomUUID();
      const username = o.username ?? `rev-${++n}-${staffId.slice(0, 4)}`;
      const roles = o.roles ?? ['reviewer'];
      const at = new Date().toISOString();
      if (o.branches !== '*') for (const b of o.branches) await db.insertInto('branches').values({ branch_id: b, name: b, created_at: at }).onConflict((oc) => oc.doNothing()).execute();
      await db.insertInto('staff').values({ staff_id: staffId, username, password_hash: 'unused', roles_json: JSON.stringify(roles), branches_json: JSON.stringify(o.branches), disabled: 0, created_at: at, updated_at: at, created_by: 'cli' }).execute();
      const loginId = randomUUID();
      await db.insertInto('staff_sessions').values({ session_id: loginId, staff_id: staffId, created_at: at, expires_at: new Date(Date.now() + 365 * 86_400_000).toISOString(), revoked_at: null, ip: '127.0.0.1' }).execute();
      return { staffId, loginId, principal: { staffId, username, roles, branches: o.branches } };
    },
    async online(s, w = workflow) {
      await w.assigner.heartbeat(s.principal);
    },
    async archived(branchId, o = {}) {
      const boothId = booths.get(branchId) ?? (await boothIn(db, branchId));
      booths.set(branchId, boothId);
      return insertArchivedSession(db, store, { boothId, productId: o.productId, startedAt: o.startedAt, record: o.record });
    },
    async reviewed(branchId, verdict = 'needs_review') {
      const sessionId = await fixture.archived(branchId);
      const report = reportOf(sessionId, verdict, verdict === 'pass' ? [] : [{ code: 'face_absent', severity: verdict === 'fail' ? 'fail' : 'review', message: 'face absent for 20 s', atSec: 12, endSec: 32 }]);
      reports.reports.set(sessionId, report);
      await workflow.listener.machineReviewed(sessionId, report);
      await workflow.settled();
      return sessionId;
    },
    async loads() {
      const rows = await db.selectFrom('review_items').select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '=', 'assigned').groupBy('assignee_id').execute();
      return new Map(rows.map((r) => [r.assignee_id!, Number(r.n)]));
    },
    async close() {
      for (const w of instances) await w.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
