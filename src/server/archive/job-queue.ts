import type { Kysely, Transaction } from 'kysely';
import { backoffDelay } from '../../core/backoff.js';
import type { ServerDb } from '../db/schema.js';

export type JobKind = 'finalize';

export interface Job {
  jobId: number;
  kind: JobKind;
  sessionId: string;
  attempts: number;
}

/** Adds a job inside the caller's transaction, so the job exists exactly when its cause does. */
export async function enqueueJob(tx: Transaction<ServerDb> | Kysely<ServerDb>, kind: JobKind, sessionId: string, now: string): Promise<void> {
  await tx.insertInto('jobs').values({ kind, session_id: sessionId, state: 'queued', attempts: 0, run_after: now, last_error: null, created_at: now, updated_at: now }).execute();
}

/**
 * A durable job queue in the database. Claiming marks a job running; a job is done only after its
 * handler returned. After a crash, `recover()` puts running jobs back in the queue.
 */
export class JobQueue {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly maxAttempts: number,
  ) {}

  /** Re-queues jobs that were running when the process died. */
  async recover(): Promise<number> {
    const r = await this.db.updateTable('jobs').set({ state: 'queued', updated_at: new Date().toISOString() }).where('state', '=', 'running').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Takes the oldest ready job, or null. */
  async claim(): Promise<Job | null> {
    const now = new Date().toISOString();
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('jobs').selectAll().where('state', '=', 'queued').where('run_after', '<=', now).orderBy('job_id').limit(1).executeTakeFirst();
      if (!row) return null;
      await tx.updateTable('jobs').set({ state: 'running', attempts: row.attempts + 1, updated_at: now }).where('job_id', '=', row.job_id).execute();
      return { jobId: row.job_id, kind: row.kind as JobKind, sessionId: row.session_id, attempts: row.attempts + 1 };
    });
  }

  async complete(jobId: number): Promise<void> {
    await this.db.updateTable('jobs').set({ state: 'done', last_error: null, updated_at: new Date().toISOString() }).where('job_id', '=', jobId).execute();
  }

  /** Records a failure; retries later with backoff, or gives up after maxAttempts. Returns true when given up. */
  async fail(job: Job, error: string, permanent: boolean): Promise<boolean> {
    const giveUp = permanent || job.attempts >= this.maxAttempts;
    const runAfter = new Date(Date.now() + backoffDelay(job.attempts, { baseMs: 2000, maxMs: 300_000 })).toISOString();
    await this.db
      .updateTable('jobs')
      .set({ state: giveUp ? 'failed' : 'queued', last_error: error, run_after: runAfter, updated_at: new Date().toISOString() })
      .where('job_id', '=', job.jobId)
      .execute();
    return giveUp;
  }
}
