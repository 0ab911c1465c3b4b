// The review workflow's assignment contract, run against SQLite and a real PostgreSQL
// (review-backends.test.ts): least loaded in scope, ties to the longest idle, nobody online,
// reassignment when a reviewer goes offline, machine verdicts, overdue, and two instances racing.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { enqueueJob } from '../../../src/server/archive/job-queue.js';
import { CLI_ACTOR } from '../../../src/server/auth/admin-actor.js';
import { openReviewFixture, type ReviewFixture } from '../../helpers/review-fixture.js';

export interface ReviewBackend {
  name: string;
  /** True when each handle may be its own server instance (PostgreSQL); SQLite's instances share one handle. */
  multiInstance: boolean;
  /** A fresh migrated database: its first handle, and a way to open more on it. */
  fresh(): Promise<{ db: Kysely<ServerDb>; open(): Promise<Kysely<ServerDb>> }>;
}

const auditOf = async (db: Kysely<ServerDb>, action: string) => db.selectFrom('audit_log').select(['target', 'details_json']).where('action', '=', action).orderBy('seq').execute();
const bySession = (a: { session_id: string }, b: { session_id: string }) => (a.session_id < b.session_id ? -1 : 1);
const machineJobs = async (db: Kysely<ServerDb>) => (await db.selectFrom('jobs').select(['session_id', 'state']).where('kind', '=', 'machine_review').execute()).sort(bySession);
const assigneeOf = async (f: ReviewFixture, sessionId: string) => (await f.db.selectFrom('review_items').select(['assignee_id', 'status']).where('session_id', '=', sessionId).executeTakeFirstOrThrow());

export function reviewAssignmentSuite(backend: () => ReviewBackend): void {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function fixture(config: Parameters<typeof openReviewFixture>[1] = {}): Promise<{ f: ReviewFixture; open: () => Promise<Kysely<ServerDb>>; multi: boolean }> {
    const b = backend();
    const { db, open } = await b.fresh();
    cleanup.push(() => db.destroy());
    const f = await openReviewFixture(db, { onlineWindowSec: 120, dueAfterMinutes: 60, ...config });
    cleanup.push(() => f.close());
    return {
      f,
      multi: b.multiInstance,
      open: async () => {
        const d = await open();
        cleanup.push(() => d.destroy());
        return d;
      },
    };
  }

  describe(`review assignment on ${backend().name}`, () => {
    it('a queued item goes to the least loaded online reviewer whose scope covers its branch; ties to the longest idle', async () => {
      const { f } = await fixture();
      const a = await f.staff({ branches: ['br-a'], username: 'a' });
      const b = await f.staff({ branches: ['br-a'], username: 'b' });
      const c = await f.staff({ branches: ['br-b'], username: 'c' });
      const h = await f.staff({ branches: '*', username: 'h' });
      const sup = await f.staff({ roles: ['supervisor'], branches: ['br-a'], username: 'sup' });
      await f.online(a);
      await f.online(sup);
      const a1 = await f.reviewed('br-a');
      const a2 = await f.reviewed('br-a');
      expect([(await assigneeOf(f, a1)).assignee_id, (await assigneeOf(f, a2)).assignee_id]).toEqual([a.staffId, a.staffId]);
      await f.online(h);
      const n1 = await f.reviewed(null);
      expect((await assigneeOf(f, n1)).assignee_id).toBe(h.staffId); // only head office covers a booth without a branch
      await f.online(b);
      await f.online(c);
      f.clock.advance(1000);
      // Loads now: a 2, h 1, b 0, c 0 (c is out of scope for br-a).
      const s1 = await f.reviewed('br-a');
      expect((await assigneeOf(f, s1)).assignee_id).toBe(b.staffId);
      f.clock.advance(1000);
      // a 2, b 1, h 1: tie between b and h, h waited longer since its last assignment.
      const s2 = await f.reviewed('br-a');
      expect((await assigneeOf(f, s2)).assignee_id).toBe(h.staffId);
      f.clock.advance(1000);
      const s3 = await f.reviewed('br-b');
      expect((await assigneeOf(f, s3)).assignee_id).toBe(c.staffId);
      f.clock.advance(1000);
      const s4 = await f.reviewed('br-a');
      expect((await assigneeOf(f, s4)).assignee_id).toBe(b.staffId);
      expect(Object.fromEntries(await f.loads())).toEqual({ [a.staffId]: 2, [b.staffId]: 2, [c.staffId]: 1, [h.staffId]: 2 });
      const assigns = await auditOf(f.db, 'review.assign');
      expect(assigns.map((e) => e.target)).toEqual([a1, a2, n1, s1, s2, s3, s4].map((s) => `session:${s}`));
      expect(JSON.parse(assigns[3]!.details_json)).toMatchObject({ staffId: b.staffId, open: 0 });
      expect(await f.audit.verify()).toMatchObject({ ok: true });
    });

    it('nobody holds more than maxOpenPerReviewer: the rest stay queued and go out as reviewers decide or come online', async () => {
      const { f } = await fixture({ maxOpenPerReviewer: 3 });
      const a = await f.staff({ branches: ['br-a'], username: 'a' });
      await f.online(a); // first online: before the cap it took the whole backlog
      const items = [];
      for (let i = 0; i < 5; i++) items.push(await f.reviewed('br-a'));
      expect(Object.fromEntries(await f.loads())).toEqual({ [a.staffId]: 3 });
      expect(await f.workflow.sweep()).toMatchObject({ assigned: 0 });
      expect(await f.workflow.assigner.heartbeat(a.principal)).toEqual({ online: true, open: 3 });
      const b = await f.staff({ branches: ['br-a'], username: 'b' });
      await f.online(b);
      expect(Object.fromEntries(await f.loads())).toEqual({ [a.staffId]: 3, [b.staffId]: 2 });
      // One more waits while both are full (b: 3 now); a decision of a's frees a place: it goes to a.
      const late = await f.reviewed('br-a');
      const waiting = await f.reviewed('br-a');
      expect(await assigneeOf(f, waiting)).toEqual({ assignee_id: null, status: 'queued' });
      expect((await assigneeOf(f, late)).assignee_id).toBe(b.staffId);
      const aItem = items[0]!;
      expect((await assigneeOf(f, aItem)).assignee_id).toBe(a.staffId);
      await f.workflow.decisions.decide(a.principal, aItem, { decision: 'accept', reasons: [], comment: '' });
      await f.workflow.settled();
      expect(await assigneeOf(f, waiting)).toEqual({ assignee_id: a.staffId, status: 'assigned' });
      expect(Object.fromEntries(await f.loads())).toEqual({ [a.staffId]: 3, [b.staffId]: 3 });
    });

    it('with nobody online in scope an item stays queued; the first heartbeat in scope assigns it', async () => {
      const { f } = await fixture();
      const other = await f.staff({ branches: ['br-b'] });
      await f.online(other);
      const s = await f.reviewed('br-a');
      expect(await assigneeOf(f, s)).toEqual({ assignee_id: null, status: 'queued' });
      const late = await f.staff({ branches: ['br-a', 'br-c'] });
      expect(await f.workflow.sweep()).toMatchObject({ assigned: 0 }); // not online yet
      expect(await f.workflow.assigner.heartbeat(late.principal)).toEqual({ online: true, open: 1 });
      expect(await assigneeOf(f, s)).toEqual({ assignee_id: late.staffId, status: 'assigned' });
    });

    it("an offline reviewer's open items are reassigned: no heartbeat within the window, logged out, or disabled", async () => {
      const { f } = await fixture();
      const stale = await f.staff({ branches: ['br-a'], username: 'stale' });
      const out = await f.staff({ branches: ['br-a'], username: 'out' });
      const off = await f.staff({ branches: ['br-a'], username: 'off' });
      for (const s of [stale, out, off]) await f.online(s);
      const items = [];
      for (let i = 0; i < 6; i++) items.push(await f.reviewed('br-a'));
      expect([...(await f.loads()).values()]).toEqual([2, 2, 2]);
      const keeper = await f.staff({ branches: '*', username: 'keeper' });
      // 121 s later: only `out`, `off` and the new reviewer beat; `out` then logs out and `off` is disabled.
      f.clock.advance(121_000);
      for (const s of [out, off, keeper]) await f.online(s);
      expect(Object.fromEntries(await f.loads())).toEqual({ [stale.staffId]: 2, [out.staffId]: 2, [off.staffId]: 2 });
      await f.db.updateTable('staff_sessions').set({ revoked_at: f.clock.now.toISOString() }).where('staff_id', '=', out.staffId).execute();
      await f.db.updateTable('staff').set({ disabled: 1 }).where('staff_id', '=', off.staffId).execute();
      const r = await f.workflow.sweep();
      expect(r).toMatchObject({ reassigned: 6, assigned: 6 });
      expect(Object.fromEntries(await f.loads())).toEqual({ [keeper.staffId]: 6 });
      const reassigned = await auditOf(f.db, 'review.reassign');
      expect(reassigned.map((e) => JSON.parse(e.details_json).from).sort()).toEqual([stale, stale, out, out, off, off].map((s) => s.staffId).sort());
      expect(new Set(reassigned.map((e) => e.target))).toEqual(new Set(items.map((s) => `session:${s}`)));
    });

    it("a reviewer whose scope no longer covers an item's branch loses that item to a reviewer who covers it", async () => {
      const { f } = await fixture();
      const wide = await f.staff({ branches: ['br-a', 'br-b'], username: 'wide' });
      await f.online(wide);
      const inA = await f.reviewed('br-a');
      const inB = await f.reviewed('br-b');
      await f.db.updateTable('staff').set({ branches_json: JSON.stringify(['br-a']) }).where('staff_id', '=', wide.staffId).execute();
      expect(await f.workflow.sweep()).toMatchObject({ reassigned: 1, assigned: 0 }); // nobody online covers br-b
      expect(await assigneeOf(f, inB)).toEqual({ assignee_id: null, status: 'queued' });
      expect(await assigneeOf(f, inA)).toEqual({ assignee_id: wide.staffId, status: 'assigned' });
      const b = await f.staff({ branches: ['br-b'], username: 'b' });
      await f.online(b);
      expect(await assigneeOf(f, inB)).toEqual({ assignee_id: b.staffId, status: 'assigned' });
      expect((await auditOf(f.db, 'review.reassign')).map((e) => [e.target, JSON.parse(e.details_json)])).toEqual([[`session:${inB}`, { from: wide.staffId, reason: 'branch out of scope' }]]);
    });

    it('a machine report after the workflow closed queues its item but assigns nothing (the next start does)', async () => {
      const { f } = await fixture();
      const r = await f.staff({ branches: ['br-a'] });
      await f.online(r);
      await f.workflow.close();
      const s = await f.reviewed('br-a');
      expect(await assigneeOf(f, s)).toEqual({ assignee_id: null, status: 'queued' });
      expect(await auditOf(f.db, 'review.assign')).toEqual([]);
    });

    it('machine verdicts: pass is final, needs_review and fail are queued with a due time; fail emits review.machine_failed once', async () => {
      const { f } = await fixture();
      await f.workflow.webhooks.create(CLI_ACTOR, { url: 'http://127.0.0.1:9/hook', events: ['review.machine_failed'] });
      const pass = await f.reviewed('br-a', 'pass');
      const review = await f.reviewed('br-a', 'needs_review');
      const fail = await f.reviewed('br-a', 'fail');
      const rows = await f.db.selectFrom('review_items').select(['session_id', 'status', 'machine_verdict', 'due_at', 'finding_codes_json']).execute();
      const by = new Map(rows.map((r) => [r.session_id, r]));
      expect(by.get(pass)).toMatchObject({ status: 'passed', machine_verdict: 'pass', due_at: null });
      expect(by.get(review)).toMatchObject({ status: 'queued', machine_verdict: 'needs_review', finding_codes_json: '["face_absent"]' });
      expect(Date.parse(by.get(fail)!.due_at!) - f.clock.now.getTime()).toBe(60 * 60_000);
      // The same report again changes nothing and emits nothing more.
      await f.workflow.listener.machineReviewed(fail, f.reports.reports.get(fail)!);
      const deliveries = await f.db.selectFrom('webhook_deliveries').selectAll().execute();
      expect(deliveries.map((d) => [d.event, d.session_id, d.state])).toEqual([['review.machine_failed', fail, 'pending']]);
      expect(JSON.parse(deliveries[0]!.payload_json)).toMatchObject({ event: 'review.machine_failed', session: { sessionId: fail, branchId: 'br-a', status: 'queued', machineVerdict: 'fail' } });
      expect((await auditOf(f.db, 'review.machine')).length).toBe(3);
    });

    it('sessions archived before the workflow get their items from the sweep (machine_pending)', async () => {
      const { f } = await fixture();
      const old = [await f.archived('br-a'), await f.archived('br-b')];
      expect(await f.workflow.sweep()).toMatchObject({ created: 2 });
      const rows = await f.db.selectFrom('review_items').select(['session_id', 'status', 'branch_id']).orderBy('branch_id').execute();
      expect(rows).toEqual([
        { session_id: old[0], status: 'machine_pending', branch_id: 'br-a' },
        { session_id: old[1], status: 'machine_pending', branch_id: 'br-b' },
      ]);
      expect(await f.workflow.sweep()).toMatchObject({ created: 0 });
      // Neither had a report nor a job (archived before the machine review): each gets one machine_review job.
      expect(await machineJobs(f.db)).toEqual(old.map((s) => ({ session_id: s, state: 'queued' })).sort(bySession));
    });

    it('the sweep queues no second machine review: not for a session with a queued job, nor one with a report', async () => {
      const { f } = await fixture();
      const queued = await f.archived('br-a');
      const reported = await f.archived('br-a');
      const at = f.clock.now.toISOString();
      await enqueueJob(f.db, 'machine_review', queued, at);
      await f.db.insertInto('machine_reports').values({ session_id: reported, verdict: 'pass', report_json: '{}', source_sha256: '0'.repeat(64), created_at: at }).execute();
      expect(await f.workflow.sweep()).toMatchObject({ created: 2 });
      expect(await machineJobs(f.db)).toEqual([{ session_id: queued, state: 'queued' }]);
    });

    it('asking for the machine review again while one is queued or running adds no second job (audited as alreadyQueued)', async () => {
      const { f } = await fixture();
      const s = await f.reviewed('br-a');
      expect(await f.workflow.items.requeueMachineReview(s, 'staff:x', 'br-a')).toBe(true);
      expect(await f.workflow.items.requeueMachineReview(s, 'staff:x', 'br-a')).toBe(false);
      expect(await machineJobs(f.db)).toEqual([{ session_id: s, state: 'queued' }]);
      await f.db.updateTable('jobs').set({ state: 'running' }).where('session_id', '=', s).execute();
      expect(await f.workflow.items.requeueMachineReview(s, 'staff:x', 'br-a')).toBe(false);
      await f.db.updateTable('jobs').set({ state: 'done' }).where('session_id', '=', s).execute();
      expect(await f.workflow.items.requeueMachineReview(s, 'staff:x', 'br-a')).toBe(true);
      expect((await machineJobs(f.db)).map((j) => j.state).sort()).toEqual(['done', 'queued']);
      expect((await auditOf(f.db, 'review.machine_requeue')).map((e) => JSON.parse(e.details_json))).toEqual([false, true, true, false].map((alreadyQueued) => ({ alreadyQueued })));
    });

    it('an item past its due time fires review.overdue once', async () => {
      const { f } = await fixture();
      await f.workflow.webhooks.create(CLI_ACTOR, { url: 'http://127.0.0.1:9/hook', events: ['review.overdue'], branches: ['br-a'] });
      const s = await f.reviewed('br-a');
      const other = await f.reviewed('br-b');
      expect(await f.workflow.sweep()).toMatchObject({ overdue: 0 });
      f.clock.advance(61 * 60_000);
      expect(await f.workflow.sweep()).toMatchObject({ overdue: 2 });
      expect(await f.workflow.sweep()).toMatchObject({ overdue: 0 });
      const deliveries = await f.db.selectFrom('webhook_deliveries').select(['event', 'session_id']).execute();
      expect(deliveries).toEqual([{ event: 'review.overdue', session_id: s }]); // the hook watches br-a only
      expect((await auditOf(f.db, 'review.overdue')).map((e) => e.target).sort()).toEqual([`session:${s}`, `session:${other}`].sort());
    });

    it('two instances assigning at once: every item assigned once, loads stay balanced', async () => {
      const { f, open, multi } = await fixture();
      const w2 = multi ? await f.instance(await open()) : await f.instance(f.db);
      const reviewers = [];
      for (let i = 0; i < 3; i++) reviewers.push(await f.staff({ branches: '*', username: `r${i}` }));
      const items = [];
      for (let i = 0; i < 30; i++) items.push(await f.reviewed(i % 2 ? 'br-a' : 'br-b'));
      expect(await f.loads()).toEqual(new Map());
      // Online without a heartbeat's own assignment pass, so both instances start from 30 queued items.
      for (const r of reviewers) await f.db.insertInto('reviewer_presence').values({ staff_id: r.staffId, last_seen_at: f.clock.now.toISOString(), last_assigned_at: null }).execute();
      const counts = await Promise.all([f.workflow.assigner.assignQueued(), w2.assigner.assignQueued(), f.workflow.assigner.assignQueued(), w2.assigner.assignQueued()]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
      expect([...(await f.loads()).values()].sort()).toEqual([10, 10, 10]);
      const assigns = await auditOf(f.db, 'review.assign');
      expect(assigns.map((e) => e.target).sort()).toEqual(items.map((s) => `session:${s}`).sort());
      // Two decisions of one item at once: one lands, the other finds it decided.
      const item = await assigneeOf(f, items[0]!);
      const owner = reviewers.find((r) => r.staffId === item.assignee_id)!;
      const results = await Promise.allSettled([
        f.workflow.decisions.decide(owner.principal, items[0]!, { decision: 'accept', reasons: [], comment: '' }),
        w2.decisions.decide(owner.principal, items[0]!, { decision: 'reject', reasons: ['customer_absent'], comment: '' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'review.not_decidable' });
      expect((await f.db.selectFrom('review_decisions').selectAll().where('session_id', '=', items[0]!).execute()).length).toBe(1);
      expect(await f.audit.verify()).toMatchObject({ ok: true });
    });

    it('two instances send the webhook outbox at once: each delivery is sent once', async () => {
      const { f, open, multi } = await fixture({ webhooks: { allowPrivateAddresses: true } }); // the receiver is on loopback
      const w2 = multi ? await f.instance(await open()) : await f.instance(f.db);
      const got: string[] = [];
      const receiver = createServer((req, res) => {
        got.push(String(req.headers['x-dualrec-delivery']));
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      cleanup.push(async () => {
        receiver.closeAllConnections();
        receiver.close();
      });
      await f.workflow.webhooks.create(CLI_ACTOR, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, events: ['review.machine_failed'] });
      for (let i = 0; i < 12; i++) await f.reviewed('br-a', 'fail');
      const sent = await Promise.all([f.workflow.delivery.runOnce(), w2.delivery.runOnce(), f.workflow.delivery.runOnce(), w2.delivery.runOnce()]);
      expect(sent.reduce((a, b) => a + b, 0)).toBe(12);
      expect(new Set(got).size).toBe(12);
      expect(got).toHaveLength(12);
      const states = await f.db.selectFrom('webhook_deliveries').select(['state', 'attempts']).execute();
      expect(states.every((d) => d.state === 'delivered' && Number(d.attempts) === 1)).toBe(true);
    });

    it('a reviewer who is a supervisor too does not settle the item they escalated (four eyes)', async () => {
      const { f } = await fixture();
      const both = await f.staff({ roles: ['reviewer', 'supervisor'], branches: ['br-a'], username: 'both' });
      const sup = await f.staff({ roles: ['supervisor'], branches: ['br-a'], username: 'sup' });
      await f.online(both);
      const s = await f.reviewed('br-a');
      await f.workflow.decisions.decide(both.principal, s, { decision: 'escalate', reasons: ['identity_not_verified'], comment: '' });
      await expect(f.workflow.decisions.decide(both.principal, s, { decision: 'accept', reasons: [], comment: '' })).rejects.toMatchObject({ code: 'review.own_escalation', message: expect.stringMatching(/escalated by both; another supervisor decides it/) });
      expect(await assigneeOf(f, s)).toEqual({ assignee_id: null, status: 'escalated' });
      expect(await f.workflow.decisions.decide(sup.principal, s, { decision: 'accept', reasons: [], comment: '' })).toMatchObject({ status: 'accepted', outcome: 'accepted' });
    });

    it('decisions, the supervision sample, an overturn and the statistics on this database', async () => {
      const { f } = await fixture();
      const r = await f.staff({ branches: ['br-a'], username: 'rev' });
      const sup = await f.staff({ roles: ['supervisor'], branches: ['br-a'], username: 'sup' });
      await f.online(r);
      const failed = await f.reviewed('br-a', 'fail');
      const unsure = await f.reviewed('br-a', 'needs_review');
      await f.workflow.decisions.decide(r.principal, failed, { decision: 'accept', reasons: [], comment: '' });
      await f.workflow.decisions.decide(r.principal, unsure, { decision: 'reject', reasons: ['customer_absent'], comment: '' });
      const period = { from: new Date(f.clock.now.getTime() - 3600_000).toISOString(), to: new Date(f.clock.now.getTime() + 3600_000).toISOString() };
      const sample = await f.workflow.supervision.sample(sup.principal, { ...period, rate: 0, unchecked: false });
      expect(sample.decisions.map((d) => [d.sessionId, d.why])).toEqual([[failed, 'contradicts_machine']]);
      const checked = await f.workflow.supervision.check(sup.principal, sample.decisions[0]!.decisionId, { outcome: 'overturned', comment: 'the face was absent' });
      expect(checked.check).toMatchObject({ outcome: 'overturned', staffId: sup.staffId, username: 'sup' });
      expect(await f.db.selectFrom('review_items').select(['status', 'outcome']).where('session_id', '=', failed).executeTakeFirstOrThrow()).toEqual({ status: 'rejected', outcome: 'rejected' });
      const stats = await f.workflow.supervision.stats(sup.principal, period);
      expect(stats.reviewers).toEqual([expect.objectContaining({ staffId: r.staffId, decisions: 2, accepted: 1, rejected: 1, contradictMachine: 1, checked: 1, overturned: 1, open: 0, online: true })]);
      expect(stats.throughput).toEqual([{ day: f.clock.now.toISOString().slice(0, 10), decisions: 2, overturned: 1 }]);
    });
  });
}
