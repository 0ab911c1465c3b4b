// The archive job queue's part of the server database contract: with several instances claiming
// from one database, every job runs once; leases keep a running job with its instance until that
// instance stops renewing them.
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { enqueueJob, JobQueue, type Job } from '../../src/server/archive/job-queue.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import type { BackendFixture, DbBackend } from './server-db.fixture.js';

const T = '2026-03-04T05:06:07.000Z';
const PAST = '2000-01-01T00:00:00.000Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withJobs(db: Kysely<ServerDb>, n: number): Promise<void> {
  await db.insertInto('booths').values({ booth_id: 'b1', name: 'booth', public_key: 'k', token_sha256: 't1', enrolled_at: T }).execute();
  await db.insertInto('sessions').values({ session_id: 's1', booth_id: 'b1', product_id: 'p', status: 'archiving', started_at: T, ended_at: null, key_wrap_json: '{}', manifest_json: null, signature: null, failure: null, created_at: T }).execute();
  for (let i = 0; i < n; i++) await enqueueJob(db, 'finalize', 's1', T);
}

const jobRow = (db: Kysely<ServerDb>) => db.selectFrom('jobs').select(['state', 'attempts', 'run_after', 'last_error']).executeTakeFirstOrThrow();

export function jobQueueContract(backend: () => DbBackend, fx: Pick<BackendFixture, 'open'>): void {
  describe('archive job queue', () => {
    it('hands every job to exactly one claimant when two instances claim at once', async () => {
      const dbs = await fx.open(2);
      await withJobs(dbs[0]!, 40);
      const queues = [0, 0, 1, 1].map((i) => ({ instance: i, queue: new JobQueue(dbs[i]!, 5) }));
      const claimed: Array<{ instance: number; job: Job }> = [];
      await Promise.all(
        queues.map(async ({ instance, queue }) => {
          for (let job = await queue.claim(); job; job = await queue.claim()) {
            claimed.push({ instance, job });
            await sleep(2);
            await queue.complete(job.jobId);
          }
        }),
      );
      const ids = claimed.map((c) => c.job.jobId);
      expect(new Set(ids).size).toBe(40);
      expect(ids).toHaveLength(40);
      expect(claimed.every((c) => c.job.attempts === 1)).toBe(true);
      expect(new Set(claimed.map((c) => c.instance))).toEqual(new Set([0, 1]));
      const states = await dbs[1]!.selectFrom('jobs').select(['state', 'attempts']).distinct().execute();
      expect(states).toEqual([{ state: 'done', attempts: 1 }]);
    });

    it('re-queues at start what a crash interrupted, but never a job another instance is running', async () => {
      const dbs = await fx.open(2);
      await withJobs(dbs[0]!, 1);
      const dead = new JobQueue(dbs[0]!, 5, { leaseMs: 30_000 });
      const running = (await dead.claim())!;
      // The process that claimed it dies (no more renewals); a process starts on the database.
      dead.close();
      const restarted = new JobQueue(dbs[1]!, 5);
      if (backend().multiInstance) {
        // PostgreSQL: it may be another instance's live job; only its lease running out frees it.
        expect(await restarted.recover()).toBe(0);
        expect(await restarted.claim()).toBeNull();
        await dbs[0]!.updateTable('jobs').set({ run_after: PAST }).execute();
        expect(await restarted.recover()).toBe(1);
      } else {
        // SQLite serves one process: a running job belongs to the process that died.
        expect(await restarted.recover()).toBe(1);
      }
      expect(await restarted.claim()).toMatchObject({ jobId: running.jobId, attempts: 2 });
    });

    it('leaves a running job to its instance while the lease is renewed, and hands it over once renewals stop', async () => {
      const dbs = await fx.open(2);
      await withJobs(dbs[0]!, 1);
      // Renewed every 400 ms: a renewal would have to be 800 ms late for the lease to lapse.
      const a = new JobQueue(dbs[0]!, 5, { leaseMs: 1200 });
      const b = new JobQueue(dbs[1]!, 5, { leaseMs: 1200 });
      const job = await a.claim();
      expect(job).toMatchObject({ attempts: 1 });
      await sleep(1600);
      expect(await b.claim()).toBeNull();
      expect((await jobRow(dbs[1]!)).run_after > new Date().toISOString()).toBe(true);
      a.close();
      await sleep(1300);
      const taken = await b.claim();
      expect(taken).toMatchObject({ jobId: job!.jobId, attempts: 2 });
      await b.complete(taken!.jobId);
      expect(await jobRow(dbs[0]!)).toMatchObject({ state: 'done', attempts: 2 });
    });

    it('records nothing from a claimant whose lease ran out and was taken over', async () => {
      const dbs = await fx.open(2);
      await withJobs(dbs[0]!, 1);
      const a = new JobQueue(dbs[0]!, 5, { leaseMs: 30_000 });
      const b = new JobQueue(dbs[1]!, 5, { leaseMs: 30_000 });
      const mine = (await a.claim())!;
      expect(await b.claim()).toBeNull();
      // Instance a hangs past its lease.
      await dbs[0]!.updateTable('jobs').set({ run_after: PAST }).execute();
      const theirs = (await b.claim())!;
      expect(theirs).toMatchObject({ jobId: mine.jobId, attempts: 2 });
      await expect(a.complete(mine.jobId)).rejects.toThrow(ConflictError);
      await expect(a.complete(mine.jobId)).rejects.toMatchObject({ code: 'job.not_claimed' });
      expect(await a.fail(mine, 'late failure', true)).toBe(false);
      expect(await jobRow(dbs[0]!)).toMatchObject({ state: 'running', attempts: 2, last_error: null });
      await b.complete(theirs.jobId);
      expect(await jobRow(dbs[0]!)).toMatchObject({ state: 'done', attempts: 2 });
      a.close();
      b.close();
    });

    it('retries a failed job after a backoff and gives up after the last attempt', async () => {
      const [db] = await fx.open(1);
      await withJobs(db!, 1);
      const q = new JobQueue(db!, 2);
      const first = (await q.claim())!;
      expect(await q.fail(first, 'ffmpeg missing', false)).toBe(false);
      const queued = await jobRow(db!);
      expect(queued).toMatchObject({ state: 'queued', attempts: 1, last_error: 'ffmpeg missing' });
      expect(queued.run_after > new Date().toISOString()).toBe(true);
      expect(await q.claim()).toBeNull();
      await db!.updateTable('jobs').set({ run_after: PAST }).execute();
      const second = (await q.claim())!;
      expect(second.attempts).toBe(2);
      expect(await q.fail(second, 'ffmpeg missing', false)).toBe(true);
      expect(await jobRow(db!)).toMatchObject({ state: 'failed', attempts: 2 });
    });
  });
}
